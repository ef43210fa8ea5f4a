// memory-leak: the heap (or RSS) grows steadily without levelling off. Judged by a least-squares line over
// the longest recent span that fits it well: a leak is a line; young-generation churn is a saw-tooth.

import type { DiagnosisInput, EvidenceItem, FindingDraft, NodeWindow, Series, Verdict } from '../types.js';
import { hasRecent, linearFit, recent, type LinearFit } from '../window.js';

/** spans tried, seconds: short ones catch a fast leak within seconds, long ones a slow one over minutes */
const SPANS = [6, 10, 15, 30, 60, 120, 300];
/** "steady": the line explains at least 85% of the variance */
const MIN_R2 = 0.85;
/**
 * growth that cannot be young-generation churn: twice V8's default 16 MB semi-space, so a scavenge cycle
 * (fill, then drop) never qualifies on its own
 */
const MIN_GROWTH_BYTES = 32 * 1024 * 1024;
/** "without levelling off": the second half of the span still grows at half the span's rate or more */
const MIN_LATE_SLOPE = 0.5;
const MIN_TAIL_SLOPE = 0.3;
/** heap: at this rate the limit is reached within 30 min (critical within 5) */
const HORIZON_S = 30 * 60;
const HORIZON_CRITICAL_S = 5 * 60;
/** RSS (native memory, buffers) has no limit to race: 1 MB/s sustained is 3.6 GB an hour */
const RSS_MIN_SLOPE = 1024 * 1024;

interface Growth {
  fit: LinearFit;
  span: number;
}

/** The longest span over which the series grows steadily by at least MIN_GROWTH_BYTES. */
function steadyGrowth(s: Series): Growth | null {
  // a series whose whole range is under the growth floor cannot qualify (most nodes): skip the fits
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < s.length; i++) {
    const v = s[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!(hi - lo >= MIN_GROWTH_BYTES)) return null;
  let best: Growth | null = null;
  for (const span of SPANS) {
    if (span > s.length) break;
    const fit = linearFit(s, span);
    if (fit.count < Math.min(span * 0.75, span - 2) || !(fit.slope > 0) || fit.r2 < MIN_R2) continue;
    if (fit.last - fit.first < MIN_GROWTH_BYTES) continue;
    const late = linearFit(s, Math.ceil(span / 2));
    if (!(late.slope >= MIN_LATE_SLOPE * fit.slope)) continue;
    // …and its last quarter still grows: a leak that stopped is a step, not a line
    const tail = linearFit(s, Math.max(4, Math.ceil(span / 8)));
    if (!(tail.slope >= MIN_TAIL_SLOPE * fit.slope)) continue;
    best = { fit, span };
  }
  return best;
}

function draftFor(n: NodeWindow): FindingDraft | null {
  const heap = steadyGrowth(n.heapUsed);
  const limit = recent(n.heapLimit);
  const used = recent(n.heapUsed);
  if (heap) {
    const toLimit = Number.isNaN(limit) ? Infinity : Math.max(0, limit - used) / heap.fit.slope;
    if (toLimit <= HORIZON_S) {
      const evidence: EvidenceItem[] = [
        { metric: 'heapUsed', value: used, baseline: heap.fit.first, baselineKind: 'own-past', unit: 'bytes', instance: n.instance },
        { metric: 'heapUsed', value: heap.fit.slope, baseline: 0, baselineKind: 'threshold', unit: 'bytes/s', instance: n.instance },
      ];
      if (!Number.isNaN(limit)) evidence.push({ metric: 'heapUsed', value: used, baseline: limit, baselineKind: 'limit', unit: 'bytes', instance: n.instance });
      return {
        kind: 'memory-leak',
        variant: 'heap',
        subject: n.instance,
        severity: toLimit <= HORIZON_CRITICAL_S ? 'critical' : 'warning',
        nodes: [n.instance],
        routes: [],
        evidence,
        facts: { node: n.instance, slope: heap.fit.slope, span: heap.span, used, limit: Number.isNaN(limit) ? 0 : limit, toLimit: Number.isFinite(toLimit) ? toLimit : 0, r2: heap.fit.r2 },
      };
    }
  }
  const rss = steadyGrowth(n.rss);
  if (rss && rss.fit.slope >= RSS_MIN_SLOPE && rss.span >= 15) {
    return {
      kind: 'memory-leak',
      variant: 'rss',
      subject: n.instance,
      severity: 'warning',
      nodes: [n.instance],
      routes: [],
      evidence: [
        { metric: 'rss', value: recent(n.rss), baseline: rss.fit.first, baselineKind: 'own-past', unit: 'bytes', instance: n.instance },
        { metric: 'rss', value: rss.fit.slope, baseline: RSS_MIN_SLOPE, baselineKind: 'threshold', unit: 'bytes/s', instance: n.instance },
      ],
      facts: { node: n.instance, slope: rss.fit.slope, span: rss.span, rss: recent(n.rss), r2: rss.fit.r2 },
    };
  }
  return null;
}

export function memoryLeak(input: DiagnosisInput): Verdict {
  const judged = input.nodes.filter((n) => hasRecent(n.heapUsed) || hasRecent(n.rss));
  if (judged.length === 0) return { status: 'insufficient-data', reason: 'no node reported heap or RSS in the last seconds' };
  if (input.times.length < SPANS[0]) return { status: 'insufficient-data', reason: `a trend needs at least ${SPANS[0]} s of history` };
  const drafts: FindingDraft[] = [];
  for (const n of judged) {
    const d = draftFor(n);
    if (d) drafts.push(d);
  }
  return drafts.length > 0 ? { status: 'issue', findings: drafts } : { status: 'none' };
}
