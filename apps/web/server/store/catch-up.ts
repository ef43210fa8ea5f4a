// Requests that arrive late, all at once: a node's first export after an interruption (the dashboard restarting, a
// network outage, an agent backing off) carries every request served meanwhile, and ingest puts them in the one
// second the export lands in. A per-second chart then showed nothing for the outage and a burst after it (after a
// dashboard restart: 0 req/s for 11 s, then 2,391 against a real ≈ 380; outside UI audit). The store keeps each such
// delta's span, and reads spread it evenly over the seconds it covers: per-second rates are the span's mean, and
// any window's totals are what the span contributes to it (the whole delta once the window holds the whole span).
// Kept for the 10 s tier's retention (coarser steps hardly show a burst), in the data file too (persist.ts): a later
// restart that forgot them turned every earlier spread back into a spike (live verification: 1,275 req/s against 197).

/**
 * A delta that covers the seconds `from`…`to` (Unix s: after its series' previous point, up to its own time) and was
 * added to second `at` (where it arrived: its own second, or a later one when it came late, e.g. an export the agent
 * retried across a dashboard restart, taken before the restart and delivered after it).
 */
export interface CatchUp {
  from: number;
  to: number;
  at: number;
  requests: number;
  errors: number;
  /** requests the clients aborted (http.server.aborted_requests), counted apart from the finished ones above */
  aborted: number;
}

/** an interruption is at least this long (s), and longer than twice the node's usual export interval */
export const CATCH_UP_MIN_SECONDS = 3;
/** spans kept per route or node (the oldest dropped first): a flapping network is not a memory leak */
const MAX_PER_SUBJECT = 64;

/**
 * Whether a cumulative delta whose previous point was at `prevSec` and which lands in second `t` catches up on an
 * interruption, for a node that exports every `intervalMs` (0: not known yet). A delta across the dashboard's own
 * downtime (`acrossDowntime`: the node's first delta after a crash, whose seconds before are unknown, see
 * query/unknown.ts, or one whose previous point is from before the dashboard started) is spread whatever its span:
 * landed whole beside the gap, two nodes' 2 s deltas read 490 req/s against a real 300 after a crash, and after a
 * graceful restart an export taken at the stop and retried after it, then the next one 2 s on, read null for 6 s
 * and then 294 against 197 (live checks). A delta of one second that lands in its own second changes nothing.
 */
export function isCatchUp(prevSec: number, t: number, intervalMs: number, acrossDowntime = false): boolean {
  const span = t - prevSec;
  if (acrossDowntime) return prevSec > 0 && span >= 1;
  return prevSec > 0 && span >= CATCH_UP_MIN_SECONDS && span * 1000 > 2 * Math.max(1000, intervalMs);
}

/**
 * The first second a node's requests are counted from, for its first cumulative delta after an interruption (previous
 * point at `prevSec`, 0: none; its own at `pointSec`, added to second `t`): where the delta is spread from when it
 * catches up, else the second it was added to (the seconds before hold none of it).
 */
export function countedFrom(prevSec: number, pointSec: number, t: number, intervalMs: number, acrossDowntime = false): number {
  return isCatchUp(prevSec, pointSec, intervalMs, acrossDowntime) ? Math.min(prevSec + 1, t) : t;
}

/** Adds a delta's span to a subject's list (merged with one of the same span: a node's series all land together). */
export function noteCatchUp(list: CatchUp[], from: number, to: number, at: number, requests: number, errors: number, aborted = 0): void {
  for (let i = list.length - 1; i >= Math.max(0, list.length - 8); i--) {
    const c = list[i];
    if (c.from === from && c.to === to && c.at === at) {
      c.requests += requests;
      c.errors += errors;
      c.aborted += aborted;
      return;
    }
  }
  list.push({ from, to, at, requests, errors, aborted });
  if (list.length > MAX_PER_SUBJECT) list.shift();
}

/** Drops spans that arrived before `oldest` (Unix s). */
export function pruneCatchUps(list: CatchUp[], oldest: number): void {
  let n = 0;
  while (n < list.length && list[n].at < oldest) n++;
  if (n > 0) list.splice(0, n);
}

/**
 * What to add to the requests and errors (and aborted requests, for a read that sums them) summed over the seconds
 * `lo`…`hi` for the spans in `list`: each span's delta was summed whole if it arrived in there; its share is the part
 * of its seconds in there. Only spans that arrived by `until` (the read's last second) count: one in the second still
 * open is not read anywhere yet (its share of earlier seconds would show before the delta itself).
 */
export function catchUpAdjustment(
  list: readonly CatchUp[] | undefined,
  lo: number,
  hi: number,
  acc: { requests: number; errors: number; aborted?: number },
  until = Infinity,
): void {
  if (list === undefined) return;
  for (const c of list) {
    if (c.at > until) continue;
    const overlap = Math.min(hi, c.to) - Math.max(lo, c.from) + 1;
    const share = overlap > 0 ? overlap / (c.to - c.from + 1) : 0;
    const landed = c.at >= lo && c.at <= hi ? 1 : 0;
    if (share === landed) continue;
    acc.requests += c.requests * (share - landed);
    acc.errors += c.errors * (share - landed);
    if (acc.aborted !== undefined) acc.aborted += c.aborted * (share - landed);
  }
}
