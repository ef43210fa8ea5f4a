// Reads of one node's per-second fields and histograms over a range.
import { StoreHistogram } from '../store/histogram.js';
import { COARSE, NodeField, type NodeState } from '../store/node.js';
import type { FleetStore, ServiceState } from '../store/FleetStore.js';
import { forEachSlot, slotSpan, type Range } from './window.js';
import { catchUpAdjustment } from '../store/catch-up.js';
import { secondTier } from '../store/config.js';

/** The largest of a node field over the range across the services' nodes; null when none has it. */
export function worstNode(store: FleetStore, services: ServiceState[], field: number, range: Range): number | null {
  let worst: number | null = null;
  for (const s of services) {
    for (const n of s.nodes.values()) {
      const v = nodeMax(store, n, field, range);
      if (v !== null && (worst === null || v > worst)) worst = v;
    }
  }
  return worst;
}

/** Mean of a node field over the range (NaN rows skipped); null when none. */
export function nodeMean(store: FleetStore, n: NodeState, field: number, range: Range): number | null {
  let sum = 0;
  let cnt = 0;
  forEachSlot(store, range.tier, range.from, range.to, (k, slot) => {
    const v = n.tiers[k].get(slot, field);
    if (!Number.isNaN(v)) {
      sum += v;
      cnt++;
    }
  });
  return cnt > 0 ? sum / cnt : null;
}

export function nodeSum(store: FleetStore, n: NodeState, field: number, range: Range, until = range.to): number {
  return nodeTotal(store, n, field, range, until) ?? 0;
}

/** The sum over the range, or null when no slot holds the field (the node does not report it). */
export function nodeTotal(store: FleetStore, n: NodeState, field: number, range: Range, until = range.to): number | null {
  let sum = 0;
  let seen = false;
  forEachSlot(store, range.tier, range.from, range.to, (k, slot) => {
    const v = n.tiers[k].get(slot, field);
    if (!Number.isNaN(v)) {
      sum += v;
      seen = true;
    }
  });
  // requests that caught up on an interruption count over the seconds they were served in (catch-up.ts)
  if (n.catchUps !== undefined && (field === NodeField.requests || field === NodeField.errors || field === NodeField.aborted)) {
    const acc = { requests: 0, errors: 0, aborted: 0 };
    catchUpAdjustment(n.catchUps, ...slotSpan(store, range.tier, range.from, range.to), acc, until);
    const add = field === NodeField.requests ? acc.requests : field === NodeField.errors ? acc.errors : acc.aborted;
    if (add !== 0) {
      sum = Math.max(0, sum + add);
      seen = true;
    }
  }
  return seen ? sum : null;
}

export function nodeMax(store: FleetStore, n: NodeState, field: number, range: Range): number | null {
  let m = -Infinity;
  forEachSlot(store, range.tier, range.from, range.to, (k, slot) => {
    const v = n.tiers[k].get(slot, field);
    if (v > m) m = v;
  });
  return m > -Infinity ? m : null;
}

/** The latest value of a gauge field at or before range.to (looking back at most the range, or 15 s when it is shorter). */
/** The second nodeLast reads its value from (-1: none). */
export function nodeLastAt(n: NodeState, field: number, range: Range): number {
  const ring = n.tiers[0];
  const stop = Math.min(range.from, range.to - 15);
  for (let t = range.to + 1; t >= stop; t--) if (!Number.isNaN(ring.get(t, field))) return t;
  return -1;
}

export function nodeLast(n: NodeState, field: number, range: Range): number | null {
  const ring = n.tiers[0];
  const stop = Math.min(range.from, range.to - 15);
  for (let t = range.to + 1; t >= stop; t--) {
    const v = ring.get(t, field);
    if (!Number.isNaN(v)) return v;
  }
  return null;
}

/** The node's merged latency and event-loop histograms over the range (10 s granularity, plus open seconds). */
export function nodeHistograms(store: FleetStore, n: NodeState, range: Range): { lat: StoreHistogram; el: StoreHistogram } {
  const lat = new StoreHistogram(store.options.nodeScale, 512, 0);
  const el = new StoreHistogram(store.options.nodeScale, 512, 0);
  const hstep = secondTier(store.options).step;
  const first = Math.floor(range.from / hstep);
  const last = Math.floor(range.to / hstep);
  for (let s = first; s <= last; s++) {
    const h = n.hists.get(s);
    if (h !== undefined) {
      lat.merge(h.lat);
      el.merge(h.el);
    }
  }
  // older data sits in 6-slot (60 s) histograms: those overlapping the range (their edges may reach past it)
  if (n.coarse.size > 0) {
    for (let c = Math.floor(first / COARSE); c <= Math.floor(last / COARSE); c++) {
      const h = n.coarse.get(c);
      if (h !== undefined) {
        lat.merge(h.lat);
        el.merge(h.el);
      }
    }
  }
  for (const [t, h] of n.open) {
    if (t >= range.from && t <= range.to) {
      lat.merge(h.lat);
      el.merge(h.el);
    }
  }
  return { lat, el };
}
