// Whether a node is up: how long it has been silent, how long it may be, and the grace a restart of the dashboard
// gives the nodes it has not heard from since. Whether the node was already down when the dashboard stopped
// (downAtStop) decides both its silence and its grace: each caller evaluates it once per node.
import type { NodeState } from '../store/node.js';
import type { FleetStore } from '../store/FleetStore.js';

/** an agent's longest back-off between export attempts (GuardedExporter: 30 s, plus up to 20% jitter) */
export const RESTART_GRACE_MS = 36_000;

/**
 * How long a node may be silent and still be up: 10 s, or 2.5 of its own export intervals when it exports less
 * often (an OpenTelemetry SDK at its default 60 s looked down 50 s of every 60: outside audit).
 * `atStop`: downAtStop(store, node).
 */
export function downAfterMs(store: FleetStore, node: NodeState, atStop = downAtStop(store, node)): number {
  // plus how far ingest is behind: its export may be waiting in the queue
  return Math.max(store.options.nodeDownAfterMs, 2.5 * node.exportIntervalMs, restartGraceMs(store, node, atStop)) + store.ingestLag();
}

/**
 * How long this process has not heard from the node: since its last export, or since the store opened if that is
 * later (the dashboard's own downtime is not the node's silence: its agents are still backing off).
 * `atStop`: downAtStop(store, node, …).
 */
export function silenceMs(store: FleetStore, node: NodeState, now: number, atStop: boolean): number {
  return now - Math.max(node.lastSeen, atStop ? 0 : store.openedAt);
}

/**
 * The silence a node not yet heard from since this process opened may keep without being down: its agent backs off
 * after the exports the dashboard's own downtime failed (up to 30 s, ±20%) and comes back on its next attempt
 * (after a restart of the dashboard its live nodes read down for 10 s: outside UI audit). 0 once heard from, and for
 * a node already down when the dashboard stopped (`atStop`: downAtStop(store, node, …)).
 */
export function restartGraceMs(store: FleetStore, node: NodeState, atStop: boolean): number {
  return node.lastSeen < store.openedAt && !atStop ? RESTART_GRACE_MS : 0;
}

/**
 * Whether the node was already down when this dashboard's previous run stopped (silent longer than it may be by the
 * last export that run heard, or the last second it wrote): its silence goes on across the restart, with no grace.
 * An outside audit's dead node read up for 36 s after a restart, so its firing nodeDown alert sent a resolved, then
 * a new firing. `downAfterMs`: how long it may be silent, by default its own limit.
 */
export function downAtStop(store: FleetStore, node: NodeState, downAfterMs = Math.max(store.options.nodeDownAfterMs, 2.5 * node.exportIntervalMs)): boolean {
  if (node.lastSeen >= store.openedAt) return false;
  // (no downtime at all when the restart took under a second)
  const stop = Math.max((store.downtime?.from ?? 0) * 1000, store.lastHeardBeforeStop);
  return stop > 0 && stop - node.lastSeen > downAfterMs;
}

/** Heard from within downAfterMs (since the store opened, at the earliest) and not stopped (see NodeState.stoppedAt). */
export function isUp(store: FleetStore, node: NodeState, now: number): boolean {
  if (node.stoppedAt !== undefined) return false;
  const atStop = downAtStop(store, node);
  return silenceMs(store, node, now, atStop) <= downAfterMs(store, node, atStop);
}

/** Silent past downAfterMs without having said it stops: a node that died or cannot reach the dashboard. */
export function isDown(store: FleetStore, node: NodeState, now: number): boolean {
  if (node.stoppedAt !== undefined) return false;
  const atStop = downAtStop(store, node);
  return silenceMs(store, node, now, atStop) > downAfterMs(store, node, atStop);
}

/**
 * Whether the node has been silent longer than `downAfterMs` (ms) and than its restart grace, which a node silent
 * longer than `downAfterMs` already when the dashboard stopped does not get: the nodeDown rules' test, their window
 * the limit (no ingest lag, and whether the node said it stops is the caller's to check).
 */
export function silentPast(store: FleetStore, node: NodeState, now: number, downAfterMs: number): boolean {
  const atStop = downAtStop(store, node, downAfterMs);
  return silenceMs(store, node, now, atStop) > Math.max(downAfterMs, restartGraceMs(store, node, atStop));
}
