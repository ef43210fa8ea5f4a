// The readout next to a chart's title: the chart's latest point, labelled with the time it covers (one step: the
// tiles beside the charts cover a longer window, so the two differ and must say why), and "—" once the line has
// stopped, with how long it has been silent, rather than a value from before an outage.
import type { Series } from '../../server/api/types.js';
import { formatExact, formatSpan, formatValue, MISSING, type UnitKind } from '../format.js';
import { formatClock } from '../format-time.js';
import { latestReadout } from './series.js';

export interface ReadoutText {
  /** "p99 995 ms", "p99 —" */
  text: string;
  /** what the value covers ("last 2 s") or why there is none ("no data for 40 s"); null while loading */
  note: string | null;
  /** the exact value and its time, for the tooltip */
  title: string | null;
}

/** The readout of the first line of `series` in `kind`'s unit, prefixed with `label` ("p99") when given. */
export function chartReadout(series: Series | null | undefined, kind: UnitKind, label = ''): ReadoutText {
  const prefix = label ? `${label} ` : '';
  if (!series) return { text: `${prefix}${MISSING}`, note: null, title: null };
  const span = formatSpan(series.step);
  const r = latestReadout(series);
  if (r.value !== null && r.t !== null) {
    return {
      text: `${prefix}${formatValue(kind, r.value)}`,
      note: `last ${span}`,
      title: `${prefix}${formatExact(kind, r.value)}: the chart's latest point, the ${span} from ${formatClock(r.t)}`,
    };
  }
  if (r.stale) {
    return {
      text: `${prefix}${MISSING}`,
      note: `no data for ${formatSpan((r.stale.newest - r.stale.t) / 1000)}`,
      title: `No data since ${formatClock(r.stale.t)}; the last value was ${prefix}${formatExact(kind, r.stale.value)}`,
    };
  }
  return { text: `${prefix}${MISSING}`, note: null, title: 'No data in this range' };
}
