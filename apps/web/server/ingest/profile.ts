// CPU profiles in the OTLP stream (`nodejs.cpu_profile.self_time`, `nodejs.cpu_profile.samples`; see
// @perf/metrics' names): one gauge point per profiled function, every point of one profile carrying the
// profile's window. The node keeps the newest profile; an older window never replaces a newer one, and the
// agent's repeats of the same profile (it sends it for 30 s) only refresh it.

import { Attrs, Metrics, type AttributeValue, type GaugeMetric } from '@perf/metrics';
import type { ProfileFunction } from '../api/types.js';
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

export function isProfileMetric(name: string): boolean {
  return name === Metrics.cpuProfileSelfTime || name === Metrics.cpuProfileSamples;
}

/**
 * Applies one profile metric to the node. Returns the reason and count of points rejected (a window that is
 * not one, a share outside 0..1), or undefined when all were taken.
 */
export function applyProfile(node: NodeState, m: GaugeMetric): { reason: string; count: number } | undefined {
  if (m.points.length === 0) return undefined;
  const first = m.points[0];
  const start = Math.round(first.startTimeUnixNano / 1e6);
  const end = Math.round(first.timeUnixNano / 1e6);
  if (!(end > start) || end - start > MAX_PROFILE_MS || m.points.some((p) => p.startTimeUnixNano !== first.startTimeUnixNano || p.timeUnixNano !== first.timeUnixNano)) {
    return { reason: 'CPU profile points without one common window of at most 10 minutes', count: m.points.length };
  }
  const current = node.profile;
  if (current !== undefined && current.end > end) return undefined; // an older profile, arriving late
  const profile: NodeProfile = current !== undefined && current.start === start && current.end === end ? current : { start, end, samples: NaN, functions: [] };
  if (m.name === Metrics.cpuProfileSamples) {
    const v = first.value;
    if (!(Number.isFinite(v) && v >= 0)) return { reason: 'CPU profile sample count is not a non-negative number', count: 1 };
    profile.samples = v;
    node.profile = profile;
    return undefined;
  }
  const functions: ProfileFunction[] = [];
  let rejected = 0;
  for (const p of m.points) {
    if (!(p.value >= 0 && p.value <= 1)) {
      rejected++;
      continue;
    }
    if (functions.length >= MAX_PROFILE_FUNCTIONS) continue;
    const a = p.attributes;
    const callerName = text(a[Attrs.callerFunctionName]);
    functions.push({
      name: text(a[Attrs.codeFunctionName]) || '(anonymous)',
      file: text(a[Attrs.codeFilePath]),
      line: int(a[Attrs.codeLineNumber]),
      column: int(a[Attrs.codeColumnNumber]),
      share: p.value,
      caller: callerName === '' ? null : { name: callerName, file: text(a[Attrs.callerFilePath]), line: int(a[Attrs.callerLineNumber]) },
    });
  }
  functions.sort((x, y) => y.share - x.share);
  profile.functions = functions;
  node.profile = profile;
  return rejected > 0 ? { reason: 'CPU profile share outside 0..1', count: rejected } : undefined;
}
