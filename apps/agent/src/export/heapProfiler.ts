/**
 * Heap profiles of the app's thread, taken when its heap keeps growing (what the growth is made of) or when
 * garbage collection takes a large share of its time (who makes the garbage), so the dashboard can name the code
 * rather than only say that memory grows or the collector is busy.
 *
 * Runs on the export thread, beside the CPU profiler (profiler.ts): it follows the heap in use from each
 * interval's snapshot and, when a straight line through the last seconds rises by at least the configured
 * growth (a leak is a line; the young generation's churn is a saw-tooth), connects an inspector session to
 * the main thread and runs V8's sampling heap profiler there for a while. V8 samples one allocation every
 * `HEAP_SAMPLING_BYTES` on average and keeps a sample only while its object lives, so at the end the
 * profile holds what was allocated during the window and is still held: what a leak is made of. The profile
 * is reduced here to its largest allocation sites, each with its nearest caller in the app's own code.
 * When an interval's GC pauses took a large share of it, the same profiler runs for a few seconds counting the
 * objects collected meanwhile too (one sample per 512 KB allocated): everything allocated, by allocating code.
 *
 * Cost for the app's thread: V8 records a stack at each sampled allocation (a few µs each) while the profile
 * runs, and serialises the profile's tree at the end (small: one node per distinct allocating stack). No
 * signals, so the event-loop utilisation is not disturbed. V8 has one sampling heap profiler per isolate, so
 * the two kinds never run at once.
 */
import type { Session } from 'node:inspector';
import { Metrics, type GaugeMetric, type Metric } from '@perf/metrics';
import { MainThreadProfiler, post, type ProfileTiming } from './mainThreadProfiler.js';
import { TOP_FUNCTIONS, codeAttributes, frameOf, isAppCode, mapSources, type Frame, type ProfileSummary } from './profiler.js';

/** V8's mean sampling interval, bytes (its default is 32 KB; Node's --heap-prof 512 KB) */
export const HEAP_SAMPLING_BYTES = 128 * 1024;
/** seconds of heap history the growth is judged over (at most) */
const HISTORY_MS = 30_000;
/** …and at least, with this many points: fewer cannot tell a line from a saw-tooth */
const MIN_SPAN_MS = 10_000;
const MIN_POINTS = 8;
/** "steady": the line explains at least this share of the variance */
const MIN_R2 = 0.8;

/** The inspector protocol's sampling heap profile (HeapProfiler.stopSampling). */
export interface V8HeapNode {
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  selfSize: number;
  id: number;
  children: V8HeapNode[];
}
export interface V8HeapProfile {
  head: V8HeapNode;
  samples?: { size: number; nodeId: number; ordinal: number }[];
}

/**
 * Bytes per allocation site (and per caller in the app's code, for a site that is not the app's): those still
 * live at the end, or for an allocation profile all that were allocated. The largest `top` of them; the rest
 * summed into `(other)`. `samples` in the result (and in each row) counts bytes here; `liveSamples` the samples.
 */
export function summarizeHeap(profile: V8HeapProfile, top = TOP_FUNCTIONS): ProfileSummary & { liveSamples: number } {
  const rows = new Map<string, ProfileSummary['functions'][number]>();
  let total = 0;
  // iterative walk: a deep recursion in the app makes deep trees
  const stack: { node: V8HeapNode; caller: Frame | undefined }[] = [{ node: profile.head, caller: undefined }];
  while (stack.length > 0) {
    const { node, caller: below } = stack.pop()!;
    const cf = node.callFrame;
    const own = isAppCode(cf.url);
    if (node.selfSize > 0) {
      const caller = own ? undefined : below;
      total += node.selfSize;
      const key = `${cf.functionName}\0${cf.url}\0${cf.lineNumber}\0${cf.columnNumber}\0${caller ? `${caller.name}\0${caller.file}\0${caller.line}` : ''}`;
      const row = rows.get(key);
      if (row !== undefined) row.samples += node.selfSize;
      else rows.set(key, { ...frameOf(cf), samples: node.selfSize, caller });
    }
    const next = own ? frameOf(cf) : below;
    for (const child of node.children ?? []) stack.push({ node: child, caller: next });
  }
  const all = [...rows.values()].sort((a, b) => b.samples - a.samples);
  const functions = all.slice(0, top);
  const rest = all.slice(top).reduce((s, f) => s + f.samples, 0);
  if (rest > 0) functions.push({ name: '(other)', file: '', line: 0, column: 0, samples: rest, caller: undefined });
  return { samples: total, functions, liveSamples: profile.samples?.length ?? 0 };
}

/** What a heap profile measures: what was still held at its end (a growing heap), or everything allocated (GC churn). */
export type HeapProfileKind = 'held' | 'allocated';

const KINDS = {
  held: {
    sizes: Metrics.heapProfileLiveSize,
    samples: Metrics.heapProfileSamples,
    description: 'Estimated bytes this function allocated during a heap profile that were still live at its end; taken when the heap kept growing.',
    samplesDescription: 'Live samples in that heap profile.',
  },
  allocated: {
    sizes: Metrics.allocationProfileSize,
    samples: Metrics.allocationProfileSamples,
    description: 'Estimated bytes this function allocated during an allocation profile, collected since or not; taken when garbage collection took a large share of the time.',
    samplesDescription: 'Samples in that allocation profile.',
  },
} as const;

/** The summary as the two gauges the dashboard reads (Metrics.heapProfileLiveSize, or Metrics.allocationProfileSize). */
export function heapProfileMetrics(summary: ProfileSummary & { liveSamples: number }, startUnixNano: number, endUnixNano: number, kind: HeapProfileKind = 'held'): Metric[] {
  const k = KINDS[kind];
  const sites: GaugeMetric = {
    type: 'gauge',
    name: k.sizes,
    unit: 'By',
    description: k.description,
    points: summary.functions.map((f) => {
      const attributes = codeAttributes(f);
      return { attributes, startTimeUnixNano: startUnixNano, timeUnixNano: endUnixNano, flags: 0, value: f.samples, isInt: true };
    }),
  };
  const samples: GaugeMetric = {
    type: 'gauge',
    name: k.samples,
    unit: '{sample}',
    description: k.samplesDescription,
    points: [{ attributes: {}, startTimeUnixNano: startUnixNano, timeUnixNano: endUnixNano, flags: 0, value: summary.liveSamples, isInt: true }],
  };
  return [sites, samples];
}

/**
 * Whether the heap in use grew steadily by at least `minGrowth` bytes: a least-squares line through the points
 * (ms, bytes) explains ≥ 80% of their variance and rises that much over their span.
 */
export function steadyGrowth(points: readonly { at: number; used: number }[], minGrowth: number): boolean {
  const n = points.length;
  if (n < MIN_POINTS || points[n - 1].at - points[0].at < MIN_SPAN_MS) return false;
  let sx = 0;
  let sy = 0;
  for (const p of points) {
    sx += p.at;
    sy += p.used;
  }
  const mx = sx / n;
  const my = sy / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (const p of points) {
    const dx = p.at - mx;
    const dy = p.used - my;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  if (!(sxx > 0 && syy > 0)) return false;
  const slope = sxy / sxx;
  const r2 = (sxy * sxy) / (sxx * syy);
  return slope > 0 && r2 >= MIN_R2 && slope * (points[n - 1].at - points[0].at) >= minGrowth;
}

export interface HeapProfilerOptions extends ProfileTiming {
  durationMillis: number;
  /** V8 keeps one sampling heap profiler per isolate: while this says true (the other kind runs), none starts */
  blocked?: () => boolean;
}

function heapUsed(metrics: readonly Metric[]): number {
  for (const m of metrics) if (m.name === Metrics.heapUsed && m.type === 'gauge' && m.points.length > 0) return m.points[0].value;
  return NaN;
}

/** Seconds of GC pauses recorded so far (the GC duration histograms' sums, cumulative), or NaN without them. */
function gcSeconds(metrics: readonly Metric[]): number {
  let total = NaN;
  for (const m of metrics) {
    if (m.name !== Metrics.gcDuration) continue;
    for (const p of m.type === 'exponentialHistogram' || m.type === 'histogram' ? m.points : []) total = (Number.isNaN(total) ? 0 : total) + (p.sum ?? 0);
  }
  return total;
}

/** V8's sampling heap profiler on the app's thread: one of the two kinds of profile (what is held, what is allocated). */
abstract class HeapSampler extends MainThreadProfiler {
  /** bytes the last profile found (held at its end, or allocated) */
  protected profiledBytes = 0;

  constructor(
    private readonly options: HeapProfilerOptions,
    private readonly kind: HeapProfileKind,
    private readonly sampling: { samplingInterval: number; includeObjectsCollectedByMajorGC: boolean; includeObjectsCollectedByMinorGC: boolean },
    onRunning: (running: boolean) => void,
    startedAt: number,
  ) {
    super(options, onRunning, startedAt);
  }

  protected override blocked(): boolean {
    return this.options.blocked?.() === true;
  }

  protected durationMillis(): number {
    return this.options.durationMillis;
  }

  protected async begin(session: Session): Promise<void> {
    await post(session, 'HeapProfiler.startSampling', this.sampling);
  }

  protected async end(session: Session): Promise<{ metrics: Metric[]; endUnixNano: number } | undefined> {
    this.profiledBytes = 0;
    const { profile } = (await post(session, 'HeapProfiler.stopSampling')) as { profile: V8HeapProfile };
    const endUnixNano = Date.now() * 1e6;
    const summary = await mapSources(summarizeHeap(profile), this.sourceMaps);
    this.profiledBytes = summary.samples;
    return summary.samples > 0 ? { metrics: heapProfileMetrics(summary, this.startUnixNano, endUnixNano, this.kind), endUnixNano } : undefined;
  }
}

/**
 * Heap profiles of a growing heap: started when the heap in use grew steadily by `growthBytes` over the last
 * 10–30 s; what was allocated during the profile and is still held at its end.
 */
export class GrowthProfiler extends HeapSampler {
  #history: { at: number; used: number }[] = [];
  readonly #growthBytes: number;

  constructor(options: HeapProfilerOptions & { growthBytes: number }, onRunning: (running: boolean) => void = () => {}, startedAt = Date.now()) {
    super(options, 'held', { samplingInterval: HEAP_SAMPLING_BYTES, includeObjectsCollectedByMajorGC: false, includeObjectsCollectedByMinorGC: false }, onRunning, startedAt);
    this.#growthBytes = options.growthBytes;
  }

  /**
   * A profile that found less than a quarter of the growth that started it still held saw growth that was not kept
   * (a process's start-up, a burst's buffers): the next may start after three profiles' time, not the whole cooldown.
   * Every process took one 10–12 s after it started, and the 5-minute cooldown then kept a leak that came with a
   * deploy from ever getting its profile (outside audit).
   */
  protected override retryAfter(): number | undefined {
    return this.profiledBytes < this.#growthBytes / 4 ? 3 * this.durationMillis() : undefined;
  }

  protected wants(metrics: readonly Metric[], nowMs: number): boolean {
    const used = heapUsed(metrics);
    if (!Number.isFinite(used)) return false;
    const h = this.#history;
    h.push({ at: nowMs, used });
    while (h.length > 0 && h[0].at < nowMs - HISTORY_MS) h.shift();
    return steadyGrowth(h, this.#growthBytes);
  }
}

/** V8's mean sampling interval for allocation profiles, bytes: a churning app allocates hundreds of MB a second */
export const ALLOCATION_SAMPLING_BYTES = 512 * 1024;

/**
 * Allocation profiles of a collector kept busy: started when an interval's GC pauses took at least `gcShare` of
 * its time; everything allocated during the profile, collected since or not, by the function that allocated it
 * (V8's sampling heap profiler with `includeObjectsCollectedByMajorGC/MinorGC`): who makes the garbage.
 */
export class AllocationProfiler extends HeapSampler {
  #last: { at: number; seconds: number } | undefined;
  readonly #gcShare: number;

  constructor(options: HeapProfilerOptions & { gcShare: number }, onRunning: (running: boolean) => void = () => {}, startedAt = Date.now()) {
    super(options, 'allocated', { samplingInterval: ALLOCATION_SAMPLING_BYTES, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true }, onRunning, startedAt);
    this.#gcShare = options.gcShare;
  }

  protected wants(metrics: readonly Metric[], nowMs: number): boolean {
    const seconds = gcSeconds(metrics);
    if (Number.isNaN(seconds)) return false;
    const last = this.#last;
    this.#last = { at: nowMs, seconds };
    if (last === undefined || !(nowMs > last.at) || seconds < last.seconds) return false;
    return (seconds - last.seconds) / ((nowMs - last.at) / 1000) >= this.#gcShare;
  }
}
