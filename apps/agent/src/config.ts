import { validateHeaderName, validateHeaderValue } from 'node:http';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { warnOnce } from './warn.js';

export type Protocol = 'http/protobuf' | 'http/json';
export type Temporality = 'cumulative' | 'delta';

/** Everything the agent can be told; every field has a safe default. Times in milliseconds. */
export interface AgentOptions {
  /** false makes the agent a no-op (PERF_ENABLED) */
  enabled?: boolean;
  /** OTEL_SERVICE_NAME; default: the app's package.json name, else `unknown_service:node` */
  serviceName?: string;
  /** extra resource attributes (OTEL_RESOURCE_ATTRIBUTES) */
  resourceAttributes?: Record<string, string>;
  /** full metrics URL (OTEL_EXPORTER_OTLP_METRICS_ENDPOINT, or OTEL_EXPORTER_OTLP_ENDPOINT + /v1/metrics) */
  endpoint?: string;
  /** OTEL_EXPORTER_OTLP_HEADERS, e.g. { authorization: 'Bearer TOKEN' } */
  headers?: Record<string, string>;
  /** OTEL_EXPORTER_OTLP_PROTOCOL: http/protobuf (default) or http/json */
  protocol?: Protocol;
  /**
   * OTEL_EXPORTER_OTLP_COMPRESSION: gzip or none; unset (`auto`), gzip when an export is ≥ 16 KB before
   * compression, where it pays (measured: gzip and its thread-pool round trip cost the host ≈ 2% CPU on a
   * hello-world server exporting ≈ 5 KB a second, to save ≈ 3 KB)
   */
  compression?: 'auto' | 'gzip' | 'none';
  /** OTEL_METRIC_EXPORT_INTERVAL in ms (default 1000) */
  exportIntervalMillis?: number;
  /** OTEL_EXPORTER_OTLP_TIMEOUT in ms (default 10000): the most one export may take, retries included */
  exportTimeoutMillis?: number;
  /** OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: cumulative (default) or delta */
  temporality?: Temporality;
  /** PERF_MAX_ROUTES: distinct routes before new ones fold into `other` (default 200) */
  maxRoutes?: number;
  /**
   * OTLP export over the export thread (OTEL_METRICS_EXPORTER includes `otlp`, the default). Without it the
   * agent takes no periodic snapshots: e.g. `OTEL_METRICS_EXPORTER=prometheus` when only Prometheus scrapes the
   * process (the export thread then only serves /metrics, from a snapshot taken at each scrape).
   */
  otlp?: boolean;
  /**
   * PERF_PROMETHEUS_PORT: also serve /metrics on this port (0 = an ephemeral port; unset = off; 9464, the
   * OpenTelemetry default, when OTEL_METRICS_EXPORTER includes `prometheus`)
   */
  prometheusPort?: number;
  /** PERF_PROMETHEUS_HOST: interface for /metrics (default 0.0.0.0) */
  prometheusHost?: string;
  /**
   * PERF_EVENTLOOP_RESOLUTION: event-loop delay sampling interval in ms (default 20): the agent's heartbeat.
   * Each beat that finds the loop asleep is a wakeup (≈ 80–200 µs of CPU measured here), so on a loop less
   * than half busy beats come up to 5× less often (≤ 100 ms), each weighted as the samples it stands for.
   */
  eventLoopResolutionMillis?: number;
  /**
   * PERF_GC_SAMPLE_ABOVE (default 10): above N GCs a second the agent observes a share of its heartbeat
   * windows and weights what it sees; below it, every pause. Observing a GC costs the app ≈ 100–700 µs of CPU
   * here (Node builds a slow-mode JS entry per GC): at 40k req/s, 0.6–0.8% of the process's CPU observing
   * every pause, 0.25% sampled (bench/overhead/attribution.mjs). A large value makes it exact; 0 turns the
   * GC probe off.
   */
  gcSampleAbove?: number;
  /** PERF_EXPORT_BACKOFF_MAX: longest pause between export attempts while the dashboard fails, ms (default 30000) */
  exportBackoffMaxMillis?: number;
  /**
   * PERF_LISTEN_QUEUE_INTERVAL: ms between reads of the listening ports' accept queues while the host's listen
   * overflows/drops do not rise (default 30000; they are read at the next export whenever those rise).
   * Reading /proc/net/tcp costs ≈ 9 ms of CPU on a large-memory host: 0 reads at every export.
   */
  listenQueueIntervalMillis?: number;
  /** PERF_SHUTDOWN_TIMEOUT: the most the final flush may take on shutdown/SIGTERM, ms (default 2000) */
  shutdownTimeoutMillis?: number;
  /**
   * PERF_PROFILE (default true): when the event loop is busy or stalls, the export thread takes a short CPU
   * profile of the app's thread (V8's sampling profiler through node:inspector) and exports its top functions
   * (`nodejs.cpu_profile.self_time`), so a finding can say which code ran. Needs the OTLP export.
   */
  profile?: boolean;
  /** PERF_PROFILE_ELU (default 0.7): profile when the loop was at least this busy over an export interval */
  profileElu?: number;
  /** PERF_PROFILE_STALL (default 50, the event-loop-blocked finding's p99 line): … or when it stalled for at least this long, ms */
  profileStallMillis?: number;
  /** PERF_PROFILE_DURATION (default 3000): length of one profile, ms */
  profileDurationMillis?: number;
  /**
   * PERF_PROFILE_COOLDOWN (default 60000): the least time from one profile's start to the next one's, ms. Starting
   * a profile stalls the app's loop once (V8 logs the code that exists: ≈ 10 ms measured here)
   */
  profileCooldownMillis?: number;
  /** PERF_PROFILE_AFTER (default 10000): no profile (CPU or heap) before this many ms after the agent started (start-up stalls) */
  profileAfterMillis?: number;
  /**
   * PERF_HEAP_PROFILE (default true; PERF_PROFILE=false turns it off too): when the heap keeps growing, the export
   * thread runs V8's sampling heap profiler on the app's thread for a while and exports the allocation sites of
   * what is still held at its end (`nodejs.heap_profile.live_size`), so a leak finding can say which code allocates it.
   */
  heapProfile?: boolean;
  /** PERF_HEAP_PROFILE_GROWTH (default 16): profile when the heap in use grew steadily by at least this many MB over the last 10–30 s */
  heapProfileGrowthMB?: number;
  /** PERF_HEAP_PROFILE_DURATION (default 10000): length of one heap profile, ms */
  heapProfileDurationMillis?: number;
  /** PERF_HEAP_PROFILE_COOLDOWN (default 300000): the least time from one heap profile's start to the next one's, ms */
  heapProfileCooldownMillis?: number;
  /**
   * PERF_ALLOC_PROFILE (default true; PERF_PROFILE=false turns it off too): when garbage collection takes a large
   * share of the time, the export thread runs V8's sampling heap profiler counting collected objects too, and
   * exports the sites that allocated the most (`nodejs.allocation_profile.size`): who makes the garbage.
   */
  allocProfile?: boolean;
  /** PERF_ALLOC_PROFILE_GC (default 0.1, the gc-pressure finding's line): profile when an interval's GC pauses took at least this share of it */
  allocProfileGcShare?: number;
  /** PERF_ALLOC_PROFILE_DURATION (default 3000): length of one allocation profile, ms */
  allocProfileDurationMillis?: number;
  /** PERF_ALLOC_PROFILE_COOLDOWN (default 60000): the least time from one allocation profile's start to the next one's, ms */
  allocProfileCooldownMillis?: number;
  /**
   * PERF_CLUSTER_PRIMARY (default false): keep measuring a `node:cluster` primary once it forks its workers. By default
   * the agent of a process that forks a worker before serving any request stops there (the workers are the nodes;
   * the primary was one more, idle node per host), without exporting when it had not yet.
   */
  clusterPrimary?: boolean;
}

export type Config = Required<Omit<AgentOptions, 'prometheusPort'>> & { prometheusPort: number | undefined };

/** Reads the environment, then applies `options` on top. Bad values warn once and fall back to the default. */
export function resolveConfig(options: AgentOptions = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || 'http://localhost:4318';
  const endpoint =
    env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT?.trim() || `${base.replace(/\/+$/, '')}/v1/metrics`;
  const resourceAttributes = parseKeyValues('OTEL_RESOURCE_ATTRIBUTES', env.OTEL_RESOURCE_ATTRIBUTES);
  const exporters = parseExporters(env.OTEL_METRICS_EXPORTER);
  // -1: no /metrics (see below); with OTEL_METRICS_EXPORTER=prometheus, OpenTelemetry's default port
  const prometheusDefault = exporters.prometheus ? PROMETHEUS_DEFAULT_PORT : -1;
  const c: Config = {
    enabled: parseBool('PERF_ENABLED', env.PERF_ENABLED, true) && !parseBool('OTEL_SDK_DISABLED', env.OTEL_SDK_DISABLED, false),
    serviceName: env.OTEL_SERVICE_NAME?.trim() || resourceAttributes['service.name'] || appPackageName() || 'unknown_service:node',
    resourceAttributes,
    endpoint: checkUrl(endpoint),
    // the metrics headers over the general ones, merged as the OTLP exporter merges them (it is no longer given the
    // variables themselves: see exportThreadEnv)
    headers: { ...parseHeaders('OTEL_EXPORTER_OTLP_HEADERS', env.OTEL_EXPORTER_OTLP_HEADERS), ...parseHeaders('OTEL_EXPORTER_OTLP_METRICS_HEADERS', env.OTEL_EXPORTER_OTLP_METRICS_HEADERS) },
    protocol: parseEnum('OTEL_EXPORTER_OTLP_PROTOCOL', env.OTEL_EXPORTER_OTLP_METRICS_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL, ['http/protobuf', 'http/json'], 'http/protobuf'),
    compression: parseEnum('OTEL_EXPORTER_OTLP_COMPRESSION', env.OTEL_EXPORTER_OTLP_METRICS_COMPRESSION ?? env.OTEL_EXPORTER_OTLP_COMPRESSION, ['auto', 'gzip', 'none'], 'auto'),
    exportIntervalMillis: parseNumber('OTEL_METRIC_EXPORT_INTERVAL', env.OTEL_METRIC_EXPORT_INTERVAL, 1000, 1, 3_600_000),
    exportTimeoutMillis: parseNumber('OTEL_EXPORTER_OTLP_TIMEOUT', env.OTEL_EXPORTER_OTLP_METRICS_TIMEOUT ?? env.OTEL_EXPORTER_OTLP_TIMEOUT, 10_000, 100, 600_000),
    temporality: parseTemporality(env.OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE),
    maxRoutes: parseNumber('PERF_MAX_ROUTES', env.PERF_MAX_ROUTES, 200, 1, 100_000),
    otlp: exporters.otlp,
    prometheusPort: parseNumber('PERF_PROMETHEUS_PORT', env.PERF_PROMETHEUS_PORT, prometheusDefault, 0, 65535),
    prometheusHost: env.PERF_PROMETHEUS_HOST?.trim() || '0.0.0.0',
    eventLoopResolutionMillis: parseNumber('PERF_EVENTLOOP_RESOLUTION', env.PERF_EVENTLOOP_RESOLUTION, 20, 1, 1000),
    gcSampleAbove: parseNumber('PERF_GC_SAMPLE_ABOVE', env.PERF_GC_SAMPLE_ABOVE, 10, 0, 1_000_000),
    exportBackoffMaxMillis: parseNumber('PERF_EXPORT_BACKOFF_MAX', env.PERF_EXPORT_BACKOFF_MAX, 30_000, 0, 3_600_000),
    listenQueueIntervalMillis: parseNumber('PERF_LISTEN_QUEUE_INTERVAL', env.PERF_LISTEN_QUEUE_INTERVAL, 30_000, 0, 3_600_000),
    shutdownTimeoutMillis: parseNumber('PERF_SHUTDOWN_TIMEOUT', env.PERF_SHUTDOWN_TIMEOUT, 2000, 0, 60_000),
    profile: parseBool('PERF_PROFILE', env.PERF_PROFILE, true),
    profileElu: parseNumber('PERF_PROFILE_ELU', env.PERF_PROFILE_ELU, 0.7, 0, 1, true),
    profileStallMillis: parseNumber('PERF_PROFILE_STALL', env.PERF_PROFILE_STALL, 50, 1, 3_600_000),
    profileDurationMillis: parseNumber('PERF_PROFILE_DURATION', env.PERF_PROFILE_DURATION, 3000, 100, 60_000),
    profileCooldownMillis: parseNumber('PERF_PROFILE_COOLDOWN', env.PERF_PROFILE_COOLDOWN, 60_000, 0, 86_400_000),
    profileAfterMillis: parseNumber('PERF_PROFILE_AFTER', env.PERF_PROFILE_AFTER, 10_000, 0, 86_400_000),
    heapProfile: parseBool('PERF_HEAP_PROFILE', env.PERF_HEAP_PROFILE, true),
    heapProfileGrowthMB: parseNumber('PERF_HEAP_PROFILE_GROWTH', env.PERF_HEAP_PROFILE_GROWTH, 16, 0, 1_000_000, true),
    heapProfileDurationMillis: parseNumber('PERF_HEAP_PROFILE_DURATION', env.PERF_HEAP_PROFILE_DURATION, 10_000, 100, 600_000),
    heapProfileCooldownMillis: parseNumber('PERF_HEAP_PROFILE_COOLDOWN', env.PERF_HEAP_PROFILE_COOLDOWN, 300_000, 0, 86_400_000),
    allocProfile: parseBool('PERF_ALLOC_PROFILE', env.PERF_ALLOC_PROFILE, true),
    allocProfileGcShare: parseNumber('PERF_ALLOC_PROFILE_GC', env.PERF_ALLOC_PROFILE_GC, 0.1, 0, 1, true),
    allocProfileDurationMillis: parseNumber('PERF_ALLOC_PROFILE_DURATION', env.PERF_ALLOC_PROFILE_DURATION, 3000, 100, 600_000),
    allocProfileCooldownMillis: parseNumber('PERF_ALLOC_PROFILE_COOLDOWN', env.PERF_ALLOC_PROFILE_COOLDOWN, 60_000, 0, 86_400_000),
    clusterPrimary: parseBool('PERF_CLUSTER_PRIMARY', env.PERF_CLUSTER_PRIMARY, false),
  };
  if (c.prometheusPort === -1) c.prometheusPort = undefined;
  for (const [k, v] of Object.entries(options)) {
    if (v !== undefined) (c as unknown as Record<string, unknown>)[k] = v;
  }
  return c;
}

function parseBool(name: string, raw: string | undefined, dflt: boolean, quiet = false): boolean {
  if (raw === undefined || raw.trim() === '') return dflt;
  const v = raw.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off'].includes(v)) return false;
  if (!quiet) warnOnce(`PERF_AGENT_BAD_${name}`, `${name}="${raw}" is not true or false; using ${dflt}.`);
  return dflt;
}

/**
 * PERF_WORKER_THREADS, read as every other switch (`on` was false here alone, and a bad value said nothing: an outside
 * audit). The main thread warns about a bad value (`quiet` in workers: one warning a process, not one a thread).
 */
export function workerThreadsEnabled(quiet: boolean, env: NodeJS.ProcessEnv = process.env): boolean {
  return parseBool('PERF_WORKER_THREADS', env.PERF_WORKER_THREADS, false, quiet);
}

/** a decimal number as people write one in a variable: 1000, -1, 0.5, .5, 1e3 */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** A whole number (ms, counts, ports) in [min, max]; `fraction`: any number there (ratios such as 0.7, MB such as 2.5). */
function parseNumber(name: string, raw: string | undefined, dflt: number, min: number, max: number, fraction = false): number {
  if (raw === undefined || raw.trim() === '') return dflt;
  // decimal only: Number() also reads "0x10" as 16, "0b11" as 3 (outside audit AA5)
  const n = DECIMAL.test(raw.trim()) ? Number(raw.trim()) : NaN;
  if (Number.isFinite(n) && n >= min && n <= max) return fraction ? n : Math.round(n);
  warnOnce(`PERF_AGENT_BAD_${name}`, `${name}="${raw}" is not a number between ${min} and ${max}; using ${dflt === -1 ? 'none' : dflt}.`);
  return dflt;
}

function parseEnum<T extends string>(name: string, raw: string | undefined, allowed: readonly T[], dflt: T): T {
  if (raw === undefined || raw.trim() === '') return dflt;
  const v = raw.trim().toLowerCase() as T;
  if (allowed.includes(v)) return v;
  warnOnce(`PERF_AGENT_BAD_${name}`, `${name}="${raw}" is not supported by the perf agent (use ${allowed.join(' or ')}); using ${dflt}.`);
  return dflt;
}

/** The OpenTelemetry Prometheus exporter's default port (OTEL_EXPORTER_PROMETHEUS_PORT's default). */
const PROMETHEUS_DEFAULT_PORT = 9464;

/**
 * OTEL_METRICS_EXPORTER: a comma-separated list of `otlp` (the default), `prometheus` (serve /metrics) and
 * `none` (no exporter; the probes still measure, for `getAgent()`). Anything else warns once and keeps the
 * default.
 */
function parseExporters(raw: string | undefined): { otlp: boolean; prometheus: boolean } {
  const dflt = { otlp: true, prometheus: false };
  if (raw === undefined || raw.trim() === '') return dflt;
  const names = raw
    .split(',')
    .map((n) => n.trim().toLowerCase())
    .filter((n) => n !== '');
  const unknown = names.filter((n) => n !== 'otlp' && n !== 'prometheus' && n !== 'none');
  if (names.length === 0) {
    // only commas (","): no exporter named at all, which turned every export off without a word (outside audit AA4)
    warnOnce('PERF_AGENT_BAD_OTEL_METRICS_EXPORTER', `OTEL_METRICS_EXPORTER="${raw}" names no exporter (use otlp, prometheus or none, comma-separated); using otlp.`);
    return dflt;
  }
  if (unknown.length > 0) {
    warnOnce('PERF_AGENT_BAD_OTEL_METRICS_EXPORTER', `OTEL_METRICS_EXPORTER="${raw}" names an exporter the perf agent does not have (${unknown.join(', ')}; use otlp, prometheus or none, comma-separated); using otlp.`);
    return dflt;
  }
  return { otlp: names.includes('otlp'), prometheus: names.includes('prometheus') };
}

function parseTemporality(raw: string | undefined): Temporality {
  const v = parseEnum('OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE', raw, ['cumulative', 'delta', 'lowmemory'], 'cumulative');
  // lowmemory = delta for counters and histograms, cumulative for up-down counters: what the agent's delta does
  return v === 'cumulative' ? 'cumulative' : 'delta';
}

/** `k=v,k2=v2` with percent-encoded values (the OTel spec's format for headers and resource attributes). */
function parseKeyValues(name: string, raw: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!raw) return out;
  for (const part of raw.split(',')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) {
      warnOnce(`PERF_AGENT_BAD_${name}`, `${name} has an entry without "key=value" ("${part.trim()}"); it is ignored.`);
      continue;
    }
    try {
      out[decodeURIComponent(part.slice(0, eq).trim())] = decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      warnOnce(`PERF_AGENT_BAD_${name}`, `${name} has a badly percent-encoded entry ("${part.trim()}"); it is ignored.`);
    }
  }
  return out;
}

/** Headers the exporter sets for each body it sends: one from the environment would break every export. */
const BODY_HEADERS = new Set(['content-length', 'content-type', 'content-encoding', 'transfer-encoding']);

/**
 * OTEL_EXPORTER_OTLP_(METRICS_)HEADERS, each checked as node:http checks headers: one it would refuse (a CR/LF in a
 * value, a space in a name) failed every export, so it is left out with a warning and the others are sent; so is one of
 * the body's own (a content-length of 5 cut every body short).
 */
function parseHeaders(variable: string, raw: string | undefined): Record<string, string> {
  const out = parseKeyValues(variable, raw);
  for (const [name, value] of Object.entries(out)) {
    try {
      validateHeaderName(name);
      validateHeaderValue(name, value);
      if (BODY_HEADERS.has(name.toLowerCase())) throw new Error('the exporter sets it for each body it sends');
    } catch (error) {
      delete out[name];
      warnOnce(`PERF_AGENT_BAD_HEADER_${name}`, `${variable}: header "${name}" cannot be sent (${(error as Error).message}); it is left out.`);
    }
  }
  return out;
}

/** The variables the OTLP exporter would read on its own beside the options it is given (it merges their headers in). */
export const EXPORTER_READS_ITSELF = ['OTEL_EXPORTER_OTLP_HEADERS', 'OTEL_EXPORTER_OTLP_METRICS_HEADERS'] as const;

function checkUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.protocol === 'http:' || u.protocol === 'https:') return url;
  } catch {
    // fall through
  }
  warnOnce('PERF_AGENT_BAD_ENDPOINT', `OTLP endpoint "${url}" is not an http(s) URL; using http://localhost:4318/v1/metrics.`);
  return 'http://localhost:4318/v1/metrics';
}

/** The `name` of the nearest package.json above the main script (once, at start). */
function appPackageName(): string | undefined {
  const main = process.argv[1];
  if (!main) return undefined;
  let dir = dirname(main);
  for (let i = 0; i < 32; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown };
      if (typeof pkg.name === 'string' && pkg.name) return pkg.name;
    } catch {
      // no package.json here (or unreadable): keep walking up
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}
