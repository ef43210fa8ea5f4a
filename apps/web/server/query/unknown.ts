// The seconds a node's request counts are unknown in after the dashboard itself was down. After a crash there are no
// saved cumulative states: each series' first point after the restart is a baseline, so a node's requests are unknown
// from the downtime's start to its first counted delta (an export its agent retried across the crash reaches back
// into the downtime, spread over the seconds it covers; one that did not, does not). A sum over the nodes there is
// over the nodes known so far: live verification, 4 nodes at ≈ 100 req/s, the fleet line read 197.6, then 296.1 req/s
// for 10 s after a restart against a real ≈ 395, and a node not counted yet read 0. Such a second is unknown (null)
// for the node and for any sum over it, and a rate over a window is over the seconds that are known.
import type { NodeState } from '../store/node.js';

/** Seconds a…b, Unix s, inclusive (b may be Infinity: up to now). */
export type Span = readonly [number, number];

/**
 * The seconds the node's requests are unknown in (see NodeState.unknownFrom), or undefined when there are none.
 * While ingest has not counted it again, that is up to now, unless it is down (it did not come back: its absence shows
 * as down, as any node's that stops reporting). A node counted again only after `graceEnd` (Unix s: when one not
 * heard from is down at the latest) was down meanwhile: none either, rather than minutes of a fleet without a rate.
 */
export function unknownSpan(node: NodeState, graceEnd: number, down: boolean): Span | undefined {
  const from = node.unknownFrom;
  if (from === undefined) return undefined;
  const counted = node.countedFrom;
  if (counted === undefined) return down ? undefined : [from, Infinity];
  return counted > from && counted <= graceEnd ? [from, counted - 1] : undefined;
}

/** The smallest span holding both: each of its seconds is unknown for some node (they all start at the downtime's start). */
export function hull(a: Span | undefined, b: Span | undefined): Span | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return [Math.min(a[0], b[0]), Math.max(a[1], b[1])];
}

/** How many of the seconds a…b lie in `span`. */
export function overlap(span: Span | undefined, a: number, b: number): number {
  if (span === undefined) return 0;
  return Math.max(0, Math.min(b, span[1]) - Math.max(a, span[0]) + 1);
}

/** The parts of a…b outside `span` (none, one or two). */
export function knownParts(a: number, b: number, span: Span | undefined): Span[] {
  if (overlap(span, a, b) === 0) return [[a, b]];
  const out: Span[] = [];
  if (a < span![0]) out.push([a, span![0] - 1]);
  if (b > span![1]) out.push([span![1] + 1, b]);
  return out;
}
