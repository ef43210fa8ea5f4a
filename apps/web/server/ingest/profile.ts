// Profiles in the OTLP stream (see @perf/metrics' names): CPU profiles (`nodejs.cpu_profile.self_time`, one gauge
// point per function valued as its share of the samples, and `nodejs.cpu_profile.samples`) and heap allocation
// profiles (`nodejs.heap_profile.live_size`, one point per allocation site valued in live bytes, and
// `nodejs.heap_profile.samples`), and allocation profiles (`nodejs.allocation_profile.*`: the same, valued in bytes
// allocated, collected since or not). Every point of one profile carries the profile's window. The node keeps the
// newest profile of each kind; an older window never replaces a newer one, and the agent's repeats of the same
// profile (it sends it for 30 s) only refresh it.

import { Attrs, Metrics, type AttributeValue, type GaugeMetric, type NumberDataPoint } from '@perf/metrics';
import type { HeapSite, ProfileFunction } from '../api/types.js';
import type { NodeProfile, NodeState } from '../store/node.js';

/** rows kept per profile (the agent sends 15 functions plus idle and the rest) */
export const MAX_PROFILE_FUNCTIONS = 50;
/** the longest window accepted as one profile */
const MAX_PROFILE_MS = 10 * 60_000;
const MAX_TEXT = 1024;

const text = (v: AttributeValue | undefined): string => (typeof v === 'string' ? v.slice(0, MAX_TEXT) : '');
const int = (v: AttributeValue | undefined): number => {
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  return Number.isInteger(n) && n >= 0 ? n : 0;
};

const PROFILE_METRICS = new Set<string>([
  Metrics.cpuProfileSelfTime,
  Metrics.cpuProfileSamples,
  Metrics.heapProfileLiveSize,
  Metrics.heapProfileSamples,
  Metrics.allocationProfileSize,
  Metrics.allocationProfileSamples,
]);

export function isProfileMetric(name: string): boolean {
  return PROFILE_METRICS.has(name);
}

/** The function a profile point names (the `code.*` and `perf.caller.*` attributes). */
function frameOf(p: NumberDataPoint): Omit<ProfileFunction, 'share'> {
  const a = p.attributes;
  const callerName = text(a[Attrs.callerFunctionName]);
  return {
    name: text(a[Attrs.codeFunctionName]) || '(anonymous)',
    file: text(a[Attrs.codeFilePath]),
    line: int(a[Attrs.codeLineNumber]),
    column: int(a[Attrs.codeColumnNumber]),
    caller: callerName === '' ? null : { name: callerName, file: text(a[Attrs.callerFilePath]), line: int(a[Attrs.callerLineNumber]) },
  };
}

/** How one kind of profile reads its points and where the node keeps it. */
interface Kind<F> {
  label: string;
  samplesMetric: string;
  get(node: NodeState): NodeProfile<F> | undefined;
  set(node: NodeState, profile: NodeProfile<F>): void;
  /** the points' rows, or the reason and count of points rejected */
  rows(points: readonly NumberDataPoint[]): { rows: F[]; rejected: number; reason: string };
}

const CPU: Kind<ProfileFunction> = {
  label: 'CPU profile',
  samplesMetric: Metrics.cpuProfileSamples,
  get: (node) => node.profile,
  set: (node, profile) => (node.profile = profile),
  rows(points) {
    const rows: ProfileFunction[] = [];
    let rejected = 0;
    for (const p of points) {
      if (!(p.value >= 0 && p.value <= 1)) rejected++;
      else if (rows.length < MAX_PROFILE_FUNCTIONS) rows.push({ ...frameOf(p), share: p.value });
    }
    rows.sort((x, y) => y.share - x.share);
    return { rows, rejected, reason: 'CPU profile share outside 0..1' };
  },
};

/** An allocation site per point, valued in bytes; shares of the whole profile. */
function sites(points: readonly NumberDataPoint[]): { rows: HeapSite[]; rejected: number; reason: string } {
  const rows: HeapSite[] = [];
  let rejected = 0;
  for (const p of points) {
    if (!(Number.isFinite(p.value) && p.value >= 0)) rejected++;
    else rows.push({ ...frameOf(p), bytes: p.value, share: 0 });
  }
  // the largest sites; shares of everything the agent sent (a site past the cap is still in the total)
  const total = rows.reduce((s, r) => s + r.bytes, 0);
  for (const r of rows) r.share = total > 0 ? r.bytes / total : 0;
  rows.sort((x, y) => y.bytes - x.bytes);
  return { rows: rows.slice(0, MAX_PROFILE_FUNCTIONS), rejected, reason: 'heap profile size is not a non-negative number' };
}

const HEAP: Kind<HeapSite> = {
  label: 'heap profile',
  samplesMetric: Metrics.heapProfileSamples,
  get: (node) => node.heapProfile,
  set: (node, profile) => (node.heapProfile = profile),
  rows: sites,
};

const ALLOCATIONS: Kind<HeapSite> = {
  label: 'allocation profile',
  samplesMetric: Metrics.allocationProfileSamples,
  get: (node) => node.allocationProfile,
  set: (node, profile) => (node.allocationProfile = profile),
  rows: (points) => ({ ...sites(points), reason: 'allocation profile size is not a non-negative number' }),
};

function apply<F>(kind: Kind<F>, node: NodeState, m: GaugeMetric): { reason: string; count: number } | undefined {
  const first = m.points[0];
  const start = Math.round(first.startTimeUnixNano / 1e6);
  const end = Math.round(first.timeUnixNano / 1e6);
  if (!(end > start) || end - start > MAX_PROFILE_MS || m.points.some((p) => p.startTimeUnixNano !== first.startTimeUnixNano || p.timeUnixNano !== first.timeUnixNano)) {
    return { reason: `${kind.label} points without one common window of at most 10 minutes`, count: m.points.length };
  }
  const current = kind.get(node);
  if (current !== undefined && current.end > end) return undefined; // an older profile, arriving late
  const profile: NodeProfile<F> = current !== undefined && current.start === start && current.end === end ? current : { start, end, samples: NaN, functions: [] };
  if (m.name === kind.samplesMetric) {
    const v = first.value;
    if (!(Number.isFinite(v) && v >= 0)) return { reason: `${kind.label} sample count is not a non-negative number`, count: 1 };
    profile.samples = v;
    kind.set(node, profile);
    return undefined;
  }
  const { rows, rejected, reason } = kind.rows(m.points);
  profile.functions = rows;
  kind.set(node, profile);
  return rejected > 0 ? { reason, count: rejected } : undefined;
}

/**
 * Applies one profile metric to the node. Returns the reason and count of points rejected (a window that is
 * not one, a share outside 0..1, a negative size), or undefined when all were taken.
 */
export function applyProfile(node: NodeState, m: GaugeMetric): { reason: string; count: number } | undefined {
  if (m.points.length === 0) return undefined;
  if (m.name === Metrics.heapProfileLiveSize || m.name === Metrics.heapProfileSamples) return apply(HEAP, node, m);
  if (m.name === Metrics.allocationProfileSize || m.name === Metrics.allocationProfileSamples) return apply(ALLOCATIONS, node, m);
  return apply(CPU, node, m);
}
