// The CPU profiles a simulated node exports while its event loop is busy, in the agent's wire format: one
// `nodejs.cpu_profile.self_time` gauge point per function (share of the profile's samples with it on top of
// the stack, `(idle)`, `(garbage collector)`, `(program)` and `(other)` included, so the shares sum to 1) and
// one `nodejs.cpu_profile.samples` point, all with the profile's window as start and time.
import { Attrs, Metrics, type Attributes, type Metric, type NumberDataPoint } from '@perf/metrics';
import { Random } from './random.js';

/** Why a simulated loop is busy; each cause has its own code on top of the stack. */
export type ProfileCause = 'blocking' | 'saturated' | 'gc';

/** ms of one profile (the agent's PERF_PROFILE_DURATION default) */
export const PROFILE_MILLIS = 3000;
/** ms between samples of V8's sampling profiler as the agent runs it */
const SAMPLE_MILLIS = 2;

interface Frame {
  name: string;
  file: string;
  line: number;
  column: number;
  /** the nearest caller in the app's own code, for a function that is not (node:, node_modules) */
  caller?: { name: string; file: string; line: number };
  /** share of the busy samples, before jitter */
  weight: number;
}

const GC = '(garbage collector)';
const INVOICE = '/srv/app/src/billing/invoice.js';
const ORDERS = '/srv/app/src/routes/orders.js';
const VIEW = '/srv/app/src/users/view.js';

/** What each cause runs. Weights are shares of the busy time; `(garbage collector)` is raised to the node's GC share. */
const TEMPLATES: Record<ProfileCause, Frame[]> = {
  // one synchronous render holds the loop (event-loop blocked)
  blocking: [
    { name: 'renderInvoice', file: INVOICE, line: 88, column: 17, caller: { name: 'handleInvoice', file: '/srv/app/src/routes/billing.js', line: 41 }, weight: 0.78 },
    { name: 'escapeExpression', file: '/srv/app/node_modules/handlebars/dist/cjs/utils.js', line: 61, column: 27, caller: { name: 'renderInvoice', file: INVOICE, line: 95 }, weight: 0.08 },
    { name: 'formatMoney', file: '/srv/app/src/billing/money.js', line: 12, column: 3, caller: { name: 'renderInvoice', file: INVOICE, line: 102 }, weight: 0.04 },
    { name: 'writeGeneric', file: 'node:internal/stream_base_commons', line: 147, column: 22, caller: { name: 'sendHtml', file: '/srv/app/src/http/respond.js', line: 27 }, weight: 0.02 },
    { name: GC, file: '', line: 0, column: 0, weight: 0.06 },
    { name: '(program)', file: '', line: 0, column: 0, weight: 0.03 },
    { name: '(other)', file: '', line: 0, column: 0, weight: 0.03 },
  ],
  // more requests than one core serves (CPU saturated): the time spread over the request path
  saturated: [
    { name: 'serializeOrder', file: '/srv/app/src/orders/serialize.js', line: 34, column: 10, caller: { name: 'listOrders', file: ORDERS, line: 58 }, weight: 0.22 },
    { name: 'computeDiscounts', file: '/srv/app/src/orders/pricing.js', line: 77, column: 5, caller: { name: 'listOrders', file: ORDERS, line: 52 }, weight: 0.12 },
    { name: '(anonymous)', file: '/srv/app/node_modules/fast-json-stringify/index.js', line: 203, column: 18, caller: { name: 'listOrders', file: ORDERS, line: 61 }, weight: 0.09 },
    { name: 'find', file: '/srv/app/node_modules/find-my-way/index.js', line: 370, column: 23, weight: 0.05 },
    { name: 'parserOnHeadersComplete', file: 'node:_http_common', line: 72, column: 35, weight: 0.05 },
    { name: GC, file: '', line: 0, column: 0, weight: 0.1 },
    { name: '(program)', file: '', line: 0, column: 0, weight: 0.12 },
    { name: '(other)', file: '', line: 0, column: 0, weight: 0.25 },
  ],
  // allocation-heavy code: the collector's time dominates
  gc: [
    { name: 'buildUserView', file: VIEW, line: 23, column: 12, caller: { name: 'getUser', file: '/srv/app/src/routes/users.js', line: 19 }, weight: 0.35 },
    { name: 'baseClone', file: '/srv/app/node_modules/lodash/_baseClone.js', line: 155, column: 18, caller: { name: 'buildUserView', file: VIEW, line: 31 }, weight: 0.25 },
    { name: GC, file: '', line: 0, column: 0, weight: 0.1 },
    { name: '(program)', file: '', line: 0, column: 0, weight: 0.1 },
    { name: '(other)', file: '', line: 0, column: 0, weight: 0.2 },
  ],
};

function attributesOf(f: { name: string; file: string; line: number; column: number; caller?: Frame['caller'] }): Attributes {
  const a: Attributes = { [Attrs.codeFunctionName]: f.name, [Attrs.codeFilePath]: f.file, [Attrs.codeLineNumber]: f.line, [Attrs.codeColumnNumber]: f.column };
  if (f.caller) {
    a[Attrs.callerFunctionName] = f.caller.name;
    a[Attrs.callerFilePath] = f.caller.file;
    a[Attrs.callerLineNumber] = f.caller.line;
  }
  return a;
}

// Attribute sets are built once: every profile of a cause names the same functions (a bounded set of series).
const ATTRIBUTES = new Map<Frame, Attributes>(Object.values(TEMPLATES).flatMap((frames) => frames.map((f) => [f, attributesOf(f)] as const)));
const IDLE_ATTRIBUTES = attributesOf({ name: '(idle)', file: '', line: 0, column: 0 });

/**
 * One profile ending at `endMs` as the two metrics the agent exports. `busy` is the loop's busy share over the
 * profile (its ELU; `(idle)` gets the rest), `gcShare` the share of wall time in GC pauses. Shares are whole
 * sample counts over the sample total, so they sum to 1; `rnd` jitters them (the caller's seeded stream).
 */
export function profileMetrics(cause: ProfileCause, busy: number, gcShare: number, endMs: number, rnd: Random): Metric[] {
  const frames = TEMPLATES[cause];
  const samples = Math.round((PROFILE_MILLIS / SAMPLE_MILLIS) * (0.97 + 0.03 * rnd.next()));
  const busyShare = Math.min(0.99, Math.max(0.05, busy));
  const weights = frames.map((f) => Math.max(0.005, f.weight * (1 + 0.08 * rnd.normal())));
  // the collector's share of the profile is at least the node's GC share of wall time; the rest of the busy
  // time is split by the other weights
  const gcAt = frames.findIndex((f) => f.name === GC);
  let rest = 0;
  for (let i = 0; i < weights.length; i++) if (i !== gcAt) rest += weights[i];
  const gc = Math.min(0.9 * busyShare, Math.max(gcShare, (weights[gcAt] / (rest + weights[gcAt])) * busyShare));
  const counts = weights.map((w, i) => Math.round(samples * (i === gcAt ? gc : (w / rest) * (busyShare - gc))));
  let used = 0;
  for (const c of counts) used += c;
  const idle = Math.max(0, samples - used);
  const total = used + idle;
  const startNs = (endMs - PROFILE_MILLIS) * 1e6;
  const endNs = endMs * 1e6;
  const point = (attributes: Attributes, value: number, isInt: boolean): NumberDataPoint => ({ attributes, startTimeUnixNano: startNs, timeUnixNano: endNs, flags: 0, value, isInt });
  const points = frames.map((f, i) => point(ATTRIBUTES.get(f)!, counts[i] / total, false));
  points.push(point(IDLE_ATTRIBUTES, idle / total, false));
  points.sort((a, b) => b.value - a.value);
  return [
    { name: Metrics.cpuProfileSelfTime, description: '', unit: '1', type: 'gauge', points },
    { name: Metrics.cpuProfileSamples, description: '', unit: '{sample}', type: 'gauge', points: [point({}, total, true)] },
  ];
}

/** ms of one heap profile (the agent's PERF_HEAP_PROFILE_DURATION default) */
export const HEAP_PROFILE_MILLIS = 10_000;
/** seconds of steady growth before the agent takes one */
export const HEAP_PROFILE_AFTER_S = 10;
/** V8's mean sampling interval as the agent runs its heap profiler, bytes */
const HEAP_SAMPLE_BYTES = 128 * 1024;

const RESULTS = '/srv/app/src/cache/results.js';
/** What a leaking node's heap holds: an unbounded result cache, mostly (shares of the bytes, before jitter). */
const HEAP_SITES: Frame[] = [
  { name: 'cacheResult', file: RESULTS, line: 12, column: 3, weight: 0.81 },
  { name: 'toJSON', file: '/srv/app/node_modules/sequelize/lib/model.js', line: 4030, column: 10, caller: { name: 'cacheResult', file: RESULTS, line: 19 }, weight: 0.12 },
  { name: 'emit', file: 'node:events', line: 517, column: 28, caller: { name: 'onMessage', file: '/srv/app/src/ws/hub.js', line: 44 }, weight: 0.04 },
  { name: '(other)', file: '', line: 0, column: 0, weight: 0.03 },
];
const HEAP_ATTRIBUTES = HEAP_SITES.map(attributesOf);

/**
 * One heap profile ending at `endMs` as the two metrics the agent exports: `held` bytes allocated during it and
 * still live at its end, split over the leaking node's allocation sites (jittered by `rnd`).
 */
export function heapProfileMetrics(held: number, endMs: number, rnd: Random): Metric[] {
  return siteMetrics(HEAP_SITES, HEAP_ATTRIBUTES, held, endMs - HEAP_PROFILE_MILLIS, endMs, HEAP_SAMPLE_BYTES, Metrics.heapProfileLiveSize, Metrics.heapProfileSamples, rnd);
}

/** ms of one allocation profile (the agent's PERF_ALLOC_PROFILE_DURATION default) */
export const ALLOCATION_PROFILE_MILLIS = 3000;
const ALLOCATION_SAMPLE_BYTES = 512 * 1024;
const VIEW_FILE = '/srv/app/src/users/view.js';
/** Who allocates on a node whose collector is busy (the CPU profile's `gc` cause runs the same code). */
const ALLOCATION_SITES: Frame[] = [
  { name: 'buildUserView', file: VIEW_FILE, line: 23, column: 12, weight: 0.58 },
  { name: 'baseClone', file: '/srv/app/node_modules/lodash/_baseClone.js', line: 155, column: 18, caller: { name: 'buildUserView', file: VIEW_FILE, line: 31 }, weight: 0.27 },
  { name: 'parse', file: '', line: 0, column: 0, caller: { name: 'loadUser', file: '/srv/app/src/users/store.js', line: 52 }, weight: 0.09 },
  { name: '(other)', file: '', line: 0, column: 0, weight: 0.06 },
];
const ALLOCATION_ATTRIBUTES = ALLOCATION_SITES.map(attributesOf);

/** One allocation profile ending at `endMs`: `allocated` bytes over its 3 s, split over the allocating sites. */
export function allocationProfileMetrics(allocated: number, endMs: number, rnd: Random): Metric[] {
  return siteMetrics(ALLOCATION_SITES, ALLOCATION_ATTRIBUTES, allocated, endMs - ALLOCATION_PROFILE_MILLIS, endMs, ALLOCATION_SAMPLE_BYTES, Metrics.allocationProfileSize, Metrics.allocationProfileSamples, rnd);
}

function siteMetrics(sites: Frame[], attributes: Attributes[], bytes: number, startMs: number, endMs: number, sampleBytes: number, sizes: string, samples: string, rnd: Random): Metric[] {
  const weights = sites.map((f) => Math.max(0.005, f.weight * (1 + 0.08 * rnd.normal())));
  const sum = weights.reduce((s, w) => s + w, 0);
  const startNs = startMs * 1e6;
  const endNs = endMs * 1e6;
  const point = (a: Attributes, value: number): NumberDataPoint => ({ attributes: a, startTimeUnixNano: startNs, timeUnixNano: endNs, flags: 0, value, isInt: true });
  const points = sites.map((_, i) => point(attributes[i], Math.round((bytes * weights[i]) / sum)));
  points.sort((a, b) => b.value - a.value);
  return [
    { name: sizes, description: '', unit: 'By', type: 'gauge', points },
    { name: samples, description: '', unit: '{sample}', type: 'gauge', points: [point({}, Math.round(bytes / sampleBytes))] },
  ];
}
