// A monotonic sum point (a per-route counter such as http.server.aborted_requests) into the increment since the
// series' previous point, with the same rules as the request histograms (series.ts): a repeated export adds nothing,
// a restarted process's smaller or later-started total counts whole, and a series first seen on a node this receiver
// has no baselines for only sets one (its total was counted before the dashboard started).
import type { NumberDataPoint, Temporality } from '@perf/metrics';
import type { DeltaOutcome, SeriesState } from './series.js';

/**
 * The outcome of point `p` for series state `st` (updated in place: `st.count` holds the last cumulative total), and
 * in `out.value` the increment when the outcome is 'delta' or 'reset'. `fresh`: a first-seen cumulative series is new
 * traffic (see Applier.startNs and NodeState.baselined). The caller checks the value's domain before.
 */
export function sumDelta(p: NumberDataPoint, temporality: Temporality, st: SeriesState, firstSeen: boolean, fresh: boolean, out: { value: number }): DeltaOutcome {
  if (!firstSeen && p.timeUnixNano <= st.time) return p.timeUnixNano === st.time ? 'duplicate' : 'outOfOrder';
  st.time = p.timeUnixNano;
  if (temporality === 'delta') {
    out.value = p.value;
    return 'delta';
  }
  const prev = st.count;
  const restarted = !firstSeen && (p.startTimeUnixNano !== st.start || p.value < prev);
  st.start = p.startTimeUnixNano;
  st.count = p.value;
  if ((firstSeen && !fresh) || st.rebase) {
    st.rebase = false;
    return 'baseline';
  }
  if (firstSeen || restarted) {
    out.value = p.value;
    return firstSeen ? 'delta' : 'reset';
  }
  out.value = p.value - prev;
  return 'delta';
}
