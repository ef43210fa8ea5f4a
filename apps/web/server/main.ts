// The dashboard process: `node --import tsx server/main.ts` (what `pnpm start` runs). Settings from the
// environment, see the README "Dashboard server" section.
import { startServer, uiBuilt, type ServerOptions } from './server.js';
import { parseDuration, parseTiers } from './store/config.js';
import { onLauncherGone, STOP_SIGNALS } from './launcher.js';

/** A whole number from the environment, at least `min` (0 for ports: 0 picks a free one; 1 for limits, where 0 refuses everything). */
function intEnv(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 0, max = Infinity): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min || v > max) {
    const range = max < Infinity ? ` from ${min} to ${max}` : min > 0 ? ` of at least ${min}` : '';
    console.error(`perf: ${name}="${raw}" is not a whole number${range}; using ${fallback}`);
    return fallback;
  }
  return v;
}

/**
 * A TCP port from the environment: a value out of range stops the start with the variable named (an outside audit's
 * PERF_OTLP_PORT=99999 said only "options.port should be >= 0 and < 65536").
 */
function portEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < 0 || v > 65535) throw new Error(`${name}="${raw}" is not a TCP port (0 to 65535; 0 picks a free one)`);
  return v;
}

/** PERF_PROMETHEUS_URL: an http(s) URL, or the start stops saying so (an outside audit's "notaurl" was taken as one). */
function urlEnv(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`${name}="${raw}" is not a URL: give the Prometheus server's address, e.g. http://prometheus:9090`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`${name}="${raw}" is not an http:// or https:// URL`);
  return raw;
}

/** true/false (also 1/0, yes/no) from the environment. */
function boolEnv(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['true', '1', 'yes'].includes(raw)) return true;
  if (['false', '0', 'no'].includes(raw)) return false;
  console.error(`perf: ${name}="${env[name]}" is not true or false; using ${fallback}`);
  return fallback;
}

/** A duration from the environment (`15m`, `90s`, `2h`), in seconds, more than 0. */
function durationEnv(name: string, raw: string, fallbackSeconds: number): number {
  const v = parseDuration(raw);
  if (Number.isFinite(v) && v > 0) return v;
  console.error(`perf: ${name}="${raw}" is not a duration (e.g. 15m, 90s, 2h); using ${fallbackSeconds / 60}m`);
  return fallbackSeconds;
}

/**
 * A token, without the whitespace around it (a token read from a secrets file ends in a newline: every agent and API
 * call was then refused, outside audit AB6), said once; one that is only whitespace stops the start (it locked every
 * client out).
 */
function tokenEnv(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const token = raw.trim();
  if (token === '') throw new Error(`${name} is only whitespace: set the token itself, or unset the variable`);
  if (token !== raw) console.error(`perf: ${name} has whitespace around it (a newline at the end of a secrets file?); using the token without it`);
  return token;
}

/** Options from PORT, PERF_* variables and `--no-ui`. */
export function optionsFromEnv(env = process.env, argv = process.argv.slice(2)): ServerOptions {
  let ui = !argv.includes('--no-ui') && env.PERF_UI !== 'false';
  if (ui && !uiBuilt()) {
    console.warn('perf: the UI is not built (apps/web/.next missing): starting with the API only. Run "pnpm start" to build it first.');
    ui = false;
  }
  const store: ServerOptions['store'] = {};
  if (env.PERF_TIERS) store.tiers = parseTiers(env.PERF_TIERS);
  if (env.PERF_MAX_SERIES_PER_SERVICE) store.maxSeriesPerService = intEnv(env, 'PERF_MAX_SERIES_PER_SERVICE', 10_000, 1);
  if (env.PERF_MAX_NODES_PER_SERVICE) store.maxNodesPerService = intEnv(env, 'PERF_MAX_NODES_PER_SERVICE', 5_000, 1);
  if (env.PERF_MAX_NODES) store.maxNodes = intEnv(env, 'PERF_MAX_NODES', 5_000, 1);
  if (env.PERF_MAX_SERIES) store.maxSeries = intEnv(env, 'PERF_MAX_SERIES', 50_000, 1);
  if (env.PERF_MAX_SERVICES) store.maxServices = intEnv(env, 'PERF_MAX_SERVICES', 200, 1);
  if (env.PERF_NODE_RETENTION) store.nodeRetentionMs = durationEnv('PERF_NODE_RETENTION', env.PERF_NODE_RETENTION, 15 * 60) * 1000;
  return {
    port: portEnv(env, 'PORT', 3000),
    otlpPort: portEnv(env, 'PERF_OTLP_PORT', 4318),
    host: env.HOST || undefined,
    dataDir: env.PERF_DATA_DIR === 'memory' ? null : (env.PERF_DATA_DIR ?? './data'),
    ui,
    apiToken: tokenEnv(env, 'PERF_API_TOKEN'),
    ingestToken: tokenEnv(env, 'PERF_INGEST_TOKEN'),
    maxBodyBytes: intEnv(env, 'PERF_MAX_BODY_BYTES', 8 * 1024 * 1024, 1),
    ingestQueue: intEnv(env, 'PERF_INGEST_QUEUE', 256, 1),
    apiShedAfterMs: intEnv(env, 'PERF_API_SHED_AFTER', 1000, 0),
    ingestPerAddress: intEnv(env, 'PERF_INGEST_PER_ADDRESS', 64, 1),
    ingestMaxConnections: env.PERF_INGEST_MAX_CONNECTIONS ? intEnv(env, 'PERF_INGEST_MAX_CONNECTIONS', 10_000, 1) : undefined,
    maxStreams: intEnv(env, 'PERF_MAX_STREAMS', 500, 1),
    trustProxy: boolEnv(env, 'PERF_TRUST_PROXY', false),
    allowedHosts: env.PERF_ALLOWED_HOSTS ? env.PERF_ALLOWED_HOSTS.split(',') : undefined,
    prometheusUrl: urlEnv(env, 'PERF_PROMETHEUS_URL'),
    prometheusHeaders: parseHeaders(env.PERF_PROMETHEUS_HEADERS),
    store,
  };
}

/**
 * PERF_PROMETHEUS_HEADERS: `name=value` pairs separated by commas, values URL-encoded where they must be (as
 * OTEL_EXPORTER_OTLP_HEADERS), e.g. `authorization=Bearer%20TOKEN,X-Scope-OrgID=tenant-1`.
 */
export function parseHeaders(raw: string | undefined): Record<string, string> | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const out: Record<string, string> = {};
  for (const part of raw.split(',')) {
    const eq = part.indexOf('=');
    const name = (eq > 0 ? part.slice(0, eq) : '').trim();
    if (name === '') throw new Error(`PERF_PROMETHEUS_HEADERS: "${part.trim()}" is not name=value`);
    let value = part.slice(eq + 1).trim();
    try {
      value = decodeURIComponent(value);
    } catch {
      // not URL-encoded: as written
    }
    out[name] = value;
  }
  return out;
}

async function main(): Promise<void> {
  // a closed stdout/stderr (piped into a process that went away) must not take the dashboard down
  process.stdout.on('error', () => {});
  process.stderr.on('error', () => {});
  const options = optionsFromEnv();
  const server = await startServer(options);
  const host = options.host && options.host !== '0.0.0.0' && options.host !== '::' ? options.host : 'localhost';
  console.log(`perf dashboard: http://${host}:${server.port}${options.ui ? '' : '  (API only: /api/v1)'}`);
  console.log(`OTLP/HTTP receiver: http://${host}:${server.otlpPort}/v1/metrics`);
  if (server.persistence) console.log(`data: ${server.persistence.file}`);
  let stopping = false;
  const stop = (reason: string) => {
    if (stopping) {
      console.log('perf: forced exit');
      process.exit(1);
    }
    stopping = true;
    console.log(`perf: ${reason}: flushing and stopping…`);
    server.close().then(
      () => process.exit(0),
      (err) => {
        console.error('perf: shutdown failed:', err);
        process.exit(1);
      },
    );
  };
  for (const sig of STOP_SIGNALS) process.on(sig, () => stop(sig));
  // started by `pnpm start` or `pnpm demo` and that process is gone: stop as on SIGTERM rather than live on unseen
  onLauncherGone(() => {
    if (!stopping) stop('the process that started the dashboard is gone');
  });
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/').split('/').pop()!)) {
  main().catch((err) => {
    console.error(`perf: cannot start: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
