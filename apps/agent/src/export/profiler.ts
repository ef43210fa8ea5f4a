/**
 * CPU profiles of the app's thread, taken when its event loop is busy or stalls, so the dashboard can say
 * which code ran rather than only that the loop was blocked.
 *
 * Runs on the export thread: it sees each interval's snapshot (the loop's utilisation and longest stall)
 * and, when one crosses its line and the cooldown has passed, connects an inspector session to the main
 * thread (`Session.connectToMainThread`), runs V8's sampling profiler there for a few seconds, and reduces
 * the profile to its top functions here. The app's thread pays for V8's sampling while the profile runs
 * (one sample every 2 ms), for starting it (V8 logs the code that exists: ≈ 1–10 ms, more in a large app)
 * and for serialising it at the end; nothing else. The session is disconnected after every profile, so no
 * inspector session outlives it. Where node:inspector is missing (a Node built without it), there are no
 * profiles and nothing else changes.
 */
import { fileURLToPath } from 'node:url';
import type { Session } from 'node:inspector';
import { Attrs, Metrics, type Attributes, type GaugeMetric, type Metric } from '@perf/metrics';
import { schedstatFields } from '../collectors/runDelay.js';
import { MainThreadProfiler, post, type ProfileTiming } from './mainThreadProfiler.js';
import { SourceMaps } from './sourceMaps.js';

/** V8's sampling interval while profiling, µs (Node's --cpu-prof default is 1000: half the cost here) */
export const SAMPLING_INTERVAL_US = 2000;
/** the functions a profile reports (by self time); the rest are summed into `(other)` */
export const TOP_FUNCTIONS = 15;
/**
 * Profile nodes (distinct stacks seen) a profile should stay under. V8 builds and serialises the profile on
 * the app's thread when it stops, in time proportional to its nodes: an app whose every sample was a different
 * 40-deep stack produced 54,000 nodes in 3 s (9 MB of JSON) and held its loop 160–170 ms at the stop; a
 * typical server's profile has tens to hundreds. After a profile over this, the next ones run shorter.
 */
export const MAX_PROFILE_NODES = 10_000;
/** the shortest a shortened profile runs, ms */
export const MIN_PROFILE_MS = 500;

/** How long the next profile runs, given the last one's length and its node count. */
export function nextDuration(configured: number, lastMs: number, lastNodes: number): number {
  if (!(lastNodes > MAX_PROFILE_NODES)) return configured;
  return Math.max(MIN_PROFILE_MS, Math.min(configured, Math.floor((lastMs * MAX_PROFILE_NODES) / lastNodes)));
}



/** The inspector protocol's profile (Profiler.stop). */
export interface V8Profile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }; children?: number[]; hitCount?: number }[];
  startTime: number;
  endTime: number;
  samples?: number[];
}

export interface Frame {
  name: string;
  /** a path for files on disk, else the script's URL; '' for V8's own entries */
  file: string;
  /** 1-based; 0 when unknown */
  line: number;
  column: number;
}

export interface ProfiledFunction extends Frame {
  /** samples with this function on top of the stack (from this caller) */
  samples: number;
  /** the nearest frame below it in the app's own code, when it is not the app's code itself */
  caller: Frame | undefined;
}

export interface ProfileSummary {
  samples: number;
  /** worst first: the top functions, then `(idle)` and `(other)` when they have samples */
  functions: ProfiledFunction[];
}

const IDLE = '(idle)';
const OTHER = '(other)';

export function frameOf(cf: V8Profile['nodes'][number]['callFrame']): Frame {
  const url = cf.url ?? '';
  let file = url;
  if (url.startsWith('file://')) {
    try {
      file = fileURLToPath(url);
    } catch {
      // keep the URL
    }
  }
  return { name: cf.functionName || '(anonymous)', file, line: url === '' ? 0 : cf.lineNumber + 1, column: url === '' ? 0 : cf.columnNumber + 1 };
}

/** The app's own code: a script with a URL that is neither Node's (`node:`) nor a dependency's. */
export function isAppCode(url: string): boolean {
  return url !== '' && !url.startsWith('node:') && !url.includes('/node_modules/') && !url.includes('\\node_modules\\');
}

/**
 * Self time per function (and per caller in the app's code, for a function that is not the app's), top
 * `top` of them by samples; V8's `(program)` and `(garbage collector)` count as functions, `(root)` never
 * holds samples, `(idle)` is reported apart.
 */
export function summarize(profile: V8Profile, top = TOP_FUNCTIONS): ProfileSummary {
  const byId = new Map<number, V8Profile['nodes'][number]>();
  const parent = new Map<number, number>();
  for (const n of profile.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const hits = new Map<number, number>();
  if (profile.samples !== undefined && profile.samples.length > 0) {
    for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
  } else {
    for (const n of profile.nodes) if (n.hitCount) hits.set(n.id, n.hitCount);
  }
  const rows = new Map<string, ProfiledFunction>();
  let total = 0;
  for (const [id, count] of hits) {
    const node = byId.get(id);
    if (node === undefined) continue;
    total += count;
    const cf = node.callFrame;
    let caller: Frame | undefined;
    if (!isAppCode(cf.url)) {
      for (let p = parent.get(id); p !== undefined; p = parent.get(p)) {
        const up = byId.get(p)!.callFrame;
        if (isAppCode(up.url)) {
          caller = frameOf(up);
          break;
        }
      }
    }
    const key = `${cf.functionName}\0${cf.url}\0${cf.lineNumber}\0${cf.columnNumber}\0${caller ? `${caller.name}\0${caller.file}\0${caller.line}` : ''}`;
    const row = rows.get(key);
    if (row !== undefined) row.samples += count;
    else rows.set(key, { ...frameOf(cf), samples: count, caller });
  }
  const all = [...rows.values()].sort((a, b) => b.samples - a.samples);
  const idle = all.filter((f) => f.name === IDLE && f.file === '');
  const code = all.filter((f) => !(f.name === IDLE && f.file === ''));
  const functions = code.slice(0, top);
  const rest = code.slice(top).reduce((s, f) => s + f.samples, 0);
  const idleSamples = idle.reduce((s, f) => s + f.samples, 0);
  if (idleSamples > 0) functions.push({ name: IDLE, file: '', line: 0, column: 0, samples: idleSamples, caller: undefined });
  if (rest > 0) functions.push({ name: OTHER, file: '', line: 0, column: 0, samples: rest, caller: undefined });
  return { samples: total, functions };
}

/**
 * The summary's places in the sources they were compiled from, where the files carry source maps (a
 * TypeScript app's `dist/*.js` → `src/*.ts`, or code compiled in memory by tsx); changes the summary in place.
 */
export async function mapSources<S extends ProfileSummary>(summary: S, maps: SourceMaps): Promise<S> {
  const places: Frame[] = [];
  for (const f of summary.functions) {
    if (f.file !== '') places.push(f);
    if (f.caller !== undefined) places.push(f.caller);
  }
  const originals = await maps.originals(places.map((p) => ({ file: p.file, line: p.line, column: p.column })));
  let i = 0;
  for (const f of summary.functions) {
    if (f.file !== '') Object.assign(f, originals[i++]);
    if (f.caller !== undefined) f.caller = { ...f.caller, ...originals[i++] };
  }
  return summary;
}

/** A profiled function's attributes: where it is (`code.*`) and, for code not the app's, its caller in the app's code. */
export function codeAttributes(f: ProfiledFunction): Attributes {
  const attributes: Attributes = {
    [Attrs.codeFunctionName]: f.name,
    [Attrs.codeFilePath]: f.file,
    [Attrs.codeLineNumber]: f.line,
    [Attrs.codeColumnNumber]: f.column,
  };
  if (f.caller !== undefined) {
    attributes[Attrs.callerFunctionName] = f.caller.name;
    attributes[Attrs.callerFilePath] = f.caller.file;
    attributes[Attrs.callerLineNumber] = f.caller.line;
  }
  return attributes;
}

/** The summary as the two gauges the dashboard reads (see Metrics.cpuProfileSelfTime). */
export function profileMetrics(summary: ProfileSummary, startUnixNano: number, endUnixNano: number): Metric[] {
  const self: GaugeMetric = {
    type: 'gauge',
    name: Metrics.cpuProfileSelfTime,
    unit: '1',
    description: "Share of a CPU profile's samples with this function on top of the app thread's stack (self time); taken when the event loop was busy or stalled.",
    points: summary.functions.map((f) => {
      const attributes = codeAttributes(f);
      return { attributes, startTimeUnixNano: startUnixNano, timeUnixNano: endUnixNano, flags: 0, value: summary.samples > 0 ? f.samples / summary.samples : 0, isInt: false };
    }),
  };
  const samples: GaugeMetric = {
    type: 'gauge',
    name: Metrics.cpuProfileSamples,
    unit: '{sample}',
    description: 'Samples in that CPU profile.',
    points: [{ attributes: {}, startTimeUnixNano: startUnixNano, timeUnixNano: endUnixNano, flags: 0, value: summary.samples, isInt: true }],
  };
  return [self, samples];
}

export interface ProfilerOptions extends ProfileTiming {
  /** profile when an interval's event-loop utilisation is at least this */
  elu: number;
  /** … or its longest event-loop delay at least this, ms */
  stallMillis: number;
  durationMillis: number;
}

function gaugeValue(metrics: readonly Metric[], name: string): number {
  for (const m of metrics) if (m.name === name && m.type === 'gauge' && m.points.length > 0) return m.points[0].value;
  return NaN;
}

/**
 * The event loop's utilisation of an interval in which a profile ran, corrected. V8's sampler interrupts the
 * app's thread with a signal every 2 ms, and libuv (Node 20) loses the idle time of every epoll wait a signal
 * interrupts, so the loop's utilisation reads far too high meanwhile (measured: 60% for a loop 11% busy). The
 * caller passes what the loop was really busy with: the share of samples of the thread's wchan not idle in epoll
 * (wchan.ts: a loop asleep in a blocking call counts as busy, as it is), or where that cannot be read, its time
 * on a CPU plus its time waiting for one (/proc/self/schedstat, the main thread's). Changes the snapshot's
 * utilisation point in place; returns the value it set, or undefined.
 */
export function correctUtilization(metrics: readonly Metric[], busyShare: number): number | undefined {
  if (!(busyShare >= 0)) return undefined;
  for (const m of metrics) {
    if (m.name !== Metrics.eventLoopUtilization || m.type !== 'gauge' || m.points.length === 0) continue;
    const p = m.points[0];
    if (p.value > busyShare) {
      p.value = Math.min(1, busyShare);
      p.isInt = false;
      return p.value;
    }
  }
  return undefined;
}

/** "cpu_time_ns run_delay_ns timeslices" → the thread's ns on a CPU plus ns waiting for one (undefined if malformed). */
export function parseSchedstat(text: string): number | undefined {
  const f = schedstatFields(text);
  return f === undefined ? undefined : f[0] + f[1];
}

/** Whether an interval's snapshot shows the loop busy (utilisation) or stalled (longest delay) past the lines. */
export function busyOrStalled(metrics: readonly Metric[], options: Pick<ProfilerOptions, 'elu' | 'stallMillis'>): boolean {
  const elu = gaugeValue(metrics, Metrics.eventLoopUtilization);
  const stallMs = gaugeValue(metrics, Metrics.eventLoopDelayMax) * 1000;
  return elu >= options.elu || stallMs >= options.stallMillis;
}

/** a profile that found its loop busy for less than this share of its samples caught nothing of what started it */
export const QUIET_PROFILE_BUSY = 0.15;

/**
 * ms until the next profile may start after one that found its loop `busy` (share of samples), or undefined for the
 * cooldown. A profile started by a passing stall (a GC, a crowded host) that found the loop idle let the next start
 * only after the cooldown: an outside audit's 200 ms block began 3 s after such a profile and was named a minute
 * late. So once after a quiet profile the next may start after three profiles' time; after a second quiet one in a
 * row the cooldown applies (a loop that stalls now and then without work to show is not profiled every few seconds).
 */
export function quietRetryAfter(busy: number, durationMs: number, retriedLast: boolean): number | undefined {
  return busy < QUIET_PROFILE_BUSY && !retriedLast ? 3 * durationMs : undefined;
}

/**
 * CPU profiles of a busy or stalled loop: started from a snapshot that shows the loop busy or stalled past the
 * lines, for `durationMillis` (shorter after a profile with too many stacks, see nextDuration).
 */
export class BusyProfiler extends MainThreadProfiler {
  /** the length of the profile running or next (shortened after a profile with too many nodes) */
  #durationMs: number;
  /** the share of the last profile's samples its loop was busy (not idle) */
  #foundBusy = 1;
  /** the last profile was let start early after a quiet one (see quietRetryAfter) */
  #retried = false;

  constructor(
    private readonly options: ProfilerOptions,
    onRunning: (running: boolean) => void = () => {},
    startedAt = Date.now(),
  ) {
    super(options, onRunning, startedAt);
    this.#durationMs = options.durationMillis;
  }

  protected wants(metrics: readonly Metric[]): boolean {
    return busyOrStalled(metrics, this.options);
  }

  protected durationMillis(): number {
    return this.#durationMs;
  }

  protected override retryAfter(): number | undefined {
    const retry = quietRetryAfter(this.#foundBusy, this.#durationMs, this.#retried);
    this.#retried = retry !== undefined;
    return retry;
  }

  protected async begin(session: Session): Promise<void> {
    await post(session, 'Profiler.enable');
    await post(session, 'Profiler.setSamplingInterval', { interval: SAMPLING_INTERVAL_US });
    await post(session, 'Profiler.start');
  }

  protected async end(session: Session): Promise<{ metrics: Metric[]; endUnixNano: number } | undefined> {
    const { profile } = (await post(session, 'Profiler.stop')) as { profile: V8Profile };
    const endUnixNano = this.startUnixNano + (profile.endTime - profile.startTime) * 1000;
    this.#durationMs = nextDuration(this.options.durationMillis, (profile.endTime - profile.startTime) / 1000, profile.nodes.length);
    const summary = await mapSources(summarize(profile), this.sourceMaps);
    let idle = 0;
    for (const f of summary.functions) if (f.name === '(idle)' && f.file === '') idle += f.samples;
    this.#foundBusy = summary.samples > 0 ? 1 - idle / summary.samples : 0;
    return summary.samples > 0 ? { metrics: profileMetrics(summary, this.startUnixNano, endUnixNano), endUnixNano } : undefined;
  }
}
