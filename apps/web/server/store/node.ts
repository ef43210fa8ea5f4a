import type { CatchUp } from './catch-up.js';
import type { HeapSite, ProfileFunction } from '../api/types.js';
import { StoreHistogram } from './histogram.js';
import type { Tier } from './config.js';

/**
 * The per-second numbers kept for each node: what the node table and per-node charts need, as Float32
 * (a node's second costs F × 4 bytes; NaN = no data). Percentiles are computed from the node's own
 * histogram of that second (scale-capped), never averaged across nodes.
 */
export const NodeField = {
  requests: 0,
  errors: 1,
  p50: 2,
  p99: 3,
  elP99: 4,
  elMax: 5,
  elu: 6,
  cpu: 7,
  heapUsed: 8,
  heapLimit: 9,
  rss: 10,
  handles: 11,
  fds: 12,
  /** seconds spent in GC */
  gcTime: 13,
  /** sum of request durations (s), for means and time share */
  latencySum: 14,
  elP50: 15,
  /** process.open_file_descriptor.limit (the diagnosis's os-limits rule) */
  fdLimit: 16,
  /** longest GC pause in the second, s (upper bound from the GC histogram's buckets) */
  gcPauseMax: 17,
  /** Linux TCP ListenOverflows in the second (host-wide counter, de-cumulated) */
  listenOverflows: 18,
  /** Linux TCP ListenDrops in the second (host-wide counter, de-cumulated) */
  listenDrops: 19,
  /** connections waiting in the node's listening ports' accept queues (summed over its ports) */
  listenQueue: 20,
  /** cgroup CPU bandwidth: periods elapsed, periods throttled, seconds held back (de-cumulated), the quota in cores */
  cpuPeriods: 21,
  cpuThrottledPeriods: 22,
  cpuThrottledTime: 23,
  cpuLimit: 24,
  /** seconds the event-loop thread waited for a CPU while runnable (Linux schedstat run delay, de-cumulated) */
  runDelay: 25,
  /** the other latency percentiles the node charts draw (from the node's histogram, like p50 and p99) */
  p90: 26,
  p999: 27,
  /** requests the client aborted before the response finished (http.server.aborted_requests, de-cumulated) */
  aborted: 28,
  /** requests started and not yet finished or aborted (http.server.active_requests, summed over its methods) */
  inFlight: 29,
} as const;
/** Rows persisted with fewer fields (an older store) read back with the newer fields empty. */
export const NODE_FIELDS = 30;
export type NodeFieldName = keyof typeof NodeField;

/** How each field rolls up into a coarser tier. */
const SUMMED = new Set<number>([
  NodeField.requests,
  NodeField.errors,
  NodeField.gcTime,
  NodeField.latencySum,
  NodeField.listenOverflows,
  NodeField.listenDrops,
  NodeField.cpuPeriods,
  NodeField.cpuThrottledPeriods,
  NodeField.cpuThrottledTime,
  NodeField.runDelay,
  NodeField.aborted,
]);
const MAXED = new Set<number>([NodeField.elMax, NodeField.gcPauseMax, NodeField.listenQueue]);
/** percentile fields: recomputed from the merged histogram of the coarser slot */
const FROM_HIST = new Set<number>([NodeField.p50, NodeField.p90, NodeField.p99, NodeField.p999, NodeField.elP99, NodeField.elP50]);

function latencyPercentiles(row: Float32Array, lat: StoreHistogram): void {
  row[NodeField.p50] = lat.quantile(0.5);
  row[NodeField.p90] = lat.quantile(0.9);
  row[NodeField.p99] = lat.quantile(0.99);
  row[NodeField.p999] = lat.quantile(0.999);
}

const CHUNK = 64;
/** node histograms stay at the tier-1 step (10 s) for this many slots, then merge COARSE to a slot */
export const FINE_SLOTS = 30;
export const COARSE = 6;

/** Float32 rows in chunks of 64 slots, so memory follows how long the node has been seen. */
export class FieldRing {
  readonly chunks = new Map<number, Float32Array>();
  constructor(
    readonly step: number,
    readonly capacity: number,
  ) {}

  row(slot: number, create: boolean): Float32Array | undefined {
    const c = Math.floor(slot / CHUNK);
    let chunk = this.chunks.get(c);
    if (chunk === undefined) {
      if (!create) return undefined;
      chunk = new Float32Array(CHUNK * NODE_FIELDS).fill(NaN);
      this.chunks.set(c, chunk);
    }
    const at = (slot - c * CHUNK) * NODE_FIELDS;
    return chunk.subarray(at, at + NODE_FIELDS);
  }

  /** Adds to a field (NaN counts as 0); no view allocated, this is on the ingest path. */
  add(slot: number, field: number, value: number): void {
    const c = Math.floor(slot / CHUNK);
    let chunk = this.chunks.get(c);
    if (chunk === undefined) {
      chunk = new Float32Array(CHUNK * NODE_FIELDS).fill(NaN);
      this.chunks.set(c, chunk);
    }
    const at = (slot - c * CHUNK) * NODE_FIELDS + field;
    const v = chunk[at];
    chunk[at] = v !== v ? value : v + value;
  }

  set(slot: number, field: number, value: number): void {
    const c = Math.floor(slot / CHUNK);
    let chunk = this.chunks.get(c);
    if (chunk === undefined) {
      chunk = new Float32Array(CHUNK * NODE_FIELDS).fill(NaN);
      this.chunks.set(c, chunk);
    }
    chunk[(slot - c * CHUNK) * NODE_FIELDS + field] = value;
  }

  get(slot: number, field: number): number {
    const c = this.chunks.get(Math.floor(slot / CHUNK));
    if (c === undefined) return NaN;
    return c[(slot - Math.floor(slot / CHUNK) * CHUNK) * NODE_FIELDS + field];
  }

  prune(newestSlot: number): void {
    const cutoffChunk = Math.floor((newestSlot - this.capacity) / CHUNK);
    for (const k of this.chunks.keys()) if (k < cutoffChunk) this.chunks.delete(k);
  }

  get bytes(): number {
    return this.chunks.size * (CHUNK * NODE_FIELDS * 4 + 80);
  }
}

/** A node's histograms for one slot (latency over all routes, event-loop delay). */
export interface NodeHists {
  lat: StoreHistogram;
  el: StoreHistogram;
}

/**
 * Where a node's window histograms go as they settle (the data file, persist.ts): a complete 10 s slot (`coarse`
 * false), a 60 s one each time a 10 s slot merges into it, and the 10 s slot gone into it (`h` undefined).
 */
export type NodeHistSink = (node: NodeState, coarse: boolean, slot: number, h: NodeHists | undefined) => void;

export interface NodeMeta {
  service: string;
  instance: string;
  host: string;
  pid: number | null;
  version: string | null;
}

/** A node's last profile of one kind as ingest assembles it (the API adds the node's names and totals). */
export interface NodeProfile<F = ProfileFunction> {
  /** Unix ms of the profile's window */
  start: number;
  end: number;
  /** NaN until the sample count arrives */
  samples: number;
  functions: F[];
}

/** The NodeState fields that hold a node's last profiles, by kind (as persisted). */
export const PROFILE_FIELDS = { cpu: 'profile', heap: 'heapProfile', allocations: 'allocationProfile' } as const;

/** Everything the store keeps about one process. */
export class NodeState {
  readonly meta: NodeMeta;
  firstSeen: number;
  /**
   * Unix ms of the first export of the process behind it (firstSeen, or when a process restarted under the same
   * instance id, told by its pid): the diagnosis gives a process's start-up a grace
   */
  startedAt: number;
  /** Unix ms of the last export */
  lastSeen: number;
  /**
   * Unix ms at which the node's agent said it was stopping (`perf.agent.stopping` in its last export: a graceful
   * shutdown, SIGTERM, the process's exit); undefined while it exports. A stopped node is neither up nor down.
   */
  stoppedAt: number | undefined = undefined;
  /** stopped because another node of its process said so (see FleetStore.stopped) */
  stoppedWithProcess = false;
  /** deltas that caught up on an interruption, spread over their seconds by reads (see catch-up.ts) */
  catchUps: CatchUp[] | undefined = undefined;
  /**
   * Unix s the dashboard's downtime began at, for a node that was live then (set by the persistence's load): without
   * its cumulative baselines (a crash saves none) its requests are unknown from there to `countedFrom` (see
   * query/unknown.ts). Undefined: the node's counts have no such gap.
   */
  unknownFrom: number | undefined = undefined;
  /**
   * Unix s from which ingest counts the node's requests again after that: its first request delta's (the span it is
   * spread over when it caught up, else the second it landed in). Undefined until then; 0 for a node not interrupted.
   */
  countedFrom: number | undefined = 0;
  /** the last gaps between this node's exports (ms), and their median: how often it exports (noteExport) */
  private readonly gaps: number[] = [];
  exportIntervalMs = 0;

  /**
   * Notes an export at `now` (before lastSeen moves to it): the node's export interval is the lower median of its
   * last 8 gaps, once there are 2 (one gap alone may be an outage the node came back from, not its interval).
   */
  noteExport(now: number): void {
    const gap = now - this.lastSeen;
    // several resources or retries within a moment are one export
    if (!(gap >= 250)) return;
    this.gaps.push(Math.min(gap, 3_600_000));
    if (this.gaps.length > 8) this.gaps.shift();
    if (this.gaps.length < 2) return;
    const sorted = [...this.gaps].sort((a, b) => a - b);
    this.exportIntervalMs = sorted[Math.floor((sorted.length - 1) / 2)];
  }
  /**
   * Whether the export being applied is the node's first since this dashboard started, on a node it knew before (its
   * states restored): every cumulative delta of it spans the dashboard's downtime (see ingest/series-start.ts)
   */
  firstSinceOpen = false;
  /**
   * How many seconds the node's clock is behind this dashboard's (negative: ahead), where that is 2 s or more, else 0:
   * the least lag of its recent exports (a point's time against its arrival: a retried export arrives late, never
   * early). A point's time plus this is a second of the dashboard's clock (ingest/series-start.ts dashboardSec).
   */
  clockLagSec = 0;
  private leastLag = Infinity;
  private lagExports = 0;

  /** Notes an export taken at `pointSec` by the node's clock that arrived at `nowSec` (Unix s). */
  noteClock(pointSec: number, nowSec: number): void {
    const lag = nowSec - pointSec;
    // the least over about the last 16 exports: a clock set right again is followed within that
    if (lag <= this.leastLag || ++this.lagExports > 16) this.restoreClock(lag);
  }

  /** The node's clock lag as last estimated (s), undefined before its first export; saved with the node. */
  get clockLag(): number | undefined {
    return Number.isFinite(this.leastLag) ? this.leastLag : undefined;
  }

  /** Sets the clock lag estimate (a saved one at load, or a new least). */
  restoreClock(lagSec: number): void {
    this.leastLag = lagSec;
    this.lagExports = 0;
    this.clockLagSec = Math.abs(lagSec) >= 2 ? lagSec : 0;
  }
  /** one FieldRing per tier */
  readonly tiers: FieldRing[];
  /** open seconds (not yet settled): histograms per second */
  readonly open = new Map<number, NodeHists>();
  /** settled histograms per tier-1 slot (10 s) for the last 5 minutes, for window percentiles */
  readonly hists: Map<number, NodeHists> = new Map();
  /** older ones merged six to a slot (60 s), up to the finest tier's retention: a third of the memory */
  readonly coarse: Map<number, NodeHists> = new Map();
  /** the last complete 10 s slot of `hists` handed to settle()'s sink */
  histsWrittenUntil = -Infinity;
  /** ingest's last value of each cumulative scalar counter (listen overflows/drops), by metric and attributes */
  readonly counters = new Map<string, { value: number; timeUnixNano: number }>();
  /** per-series ingest state (cumulative → delta, duplicates), keyed by metric + attributes; owned by ingest */
  readonly states = new Map<string, unknown>();
  /**
   * Whether this receiver holds the node's baselines: an export of the node was applied since the dashboard
   * started, or its states were restored from the data file. Then a cumulative series it has not seen yet is
   * new since that export (a sender exports every series it has, each time), so its first point counts whole;
   * before, a series started before this receiver is only a baseline.
   */
  baselined = false;
  /**
   * When this node was last seen before it was forgotten (silent past PERF_NODE_RETENTION, or evicted at a cap), if it
   * was: its process's series that started before then were counted up to then, so their first points now are
   * baselines, not new traffic (an outside audit's node, quiet for 16 min and back with its counter at 2,000 + 1,500,
   * was counted 5,500 for 3,500 requests)
   */
  lastSeenBefore: number | undefined = undefined;
  /** ingest's cache of those states by metric name and position in the node's export; owned by ingest */
  readonly seriesCache = new Map<string, unknown[]>();
  /**
   * the last CPU profile of the node's event-loop thread (`nodejs.cpu_profile.*`, taken by the agent when the
   * loop is busy or stalls); written once to the data file (persist.ts), so a restarted dashboard still shows it
   */
  profile: NodeProfile | undefined;
  /**
   * the last allocation profile of the node's heap (`nodejs.heap_profile.*`, taken by the agent when the heap
   * keeps growing); persisted like `profile`
   */
  heapProfile: NodeProfile<HeapSite> | undefined;
  /**
   * the last allocation profile of the node's heap (`nodejs.allocation_profile.*`, taken by the agent when GC
   * takes a large share of the time: bytes allocated per site, collected or not); persisted like `profile`
   */
  allocationProfile: NodeProfile<HeapSite> | undefined;
  /**
   * the node's requests in flight by route at its last export that named them (`perf.http.server.active_requests.by_route`,
   * sent while it holds 10 or more), busiest first, with those whose response has begun (`answering`: streams, downloads),
   * and the second (Unix s) it was measured in; not persisted
   */
  inFlightRoutes: { t: number; routes: { method: string; route: string; count: number; answering: number }[] } | undefined = undefined;

  constructor(
    meta: NodeMeta,
    tiers: Tier[],
    private readonly scale: number,
    now: number,
  ) {
    this.meta = meta;
    this.firstSeen = now;
    this.startedAt = now;
    this.lastSeen = now;
    this.tiers = tiers.map((t) => new FieldRing(t.step, Math.ceil(t.retention / t.step)));
  }

  /** The open histograms of second `t` (s). */
  openSecond(t: number): NodeHists {
    let h = this.open.get(t);
    if (h === undefined) {
      h = { lat: new StoreHistogram(this.scale, 512, 0), el: new StoreHistogram(this.scale, 512, 0) };
      this.open.set(t, h);
    }
    return h;
  }

  /** Sets a gauge field for second t (last write wins). */
  setField(t: number, field: number, value: number): void {
    this.tiers[0].set(t, field, value);
  }

  addField(t: number, field: number, value: number): void {
    this.tiers[0].add(t, field, value);
  }

  /**
   * Closes seconds ≤ `until`: their percentiles go into the 1 s row and their histograms into the
   * tier-1 slot histograms (kept for the finest tier's retention, for window percentiles).
   */
  settle(until: number, histStep: number, histCapacity: number, sink?: NodeHistSink): void {
    for (const [t, h] of this.open) {
      if (t > until) continue;
      this.open.delete(t);
      const row = this.tiers[0].row(t, true)!;
      if (h.lat.count > 0) latencyPercentiles(row, h.lat);
      if (h.el.count > 0) {
        row[NodeField.elP50] = h.el.quantile(0.5);
        row[NodeField.elP99] = h.el.quantile(0.99);
        // the agent's exact max (nodejs.eventloop.delay.max) wins: an explicit-bucket histogram's max is its top
        // bucket's bound (Prometheus mode: up to √2 above the stall)
        if (Number.isNaN(row[NodeField.elMax])) row[NodeField.elMax] = h.el.max;
      }
      const slot = Math.floor(t / histStep);
      const agg = this.hists.get(slot);
      if (agg === undefined) {
        this.hists.set(slot, h);
      } else {
        agg.lat.merge(h.lat);
        agg.el.merge(h.el);
      }
    }
    const current = Math.floor(until / histStep);
    for (const [k, h] of this.hists) {
      if (k < current - FINE_SLOTS) {
        // older than 5 minutes: into the coarse (6 × step) slot
        this.hists.delete(k);
        const c = Math.floor(k / COARSE);
        const agg = this.coarse.get(c);
        if (agg === undefined) this.coarse.set(c, h);
        else {
          agg.lat.merge(h.lat);
          agg.el.merge(h.el);
          agg.lat.seal();
          agg.el.seal();
        }
        if (sink !== undefined) {
          if (k <= this.histsWrittenUntil) sink(this, false, k, undefined);
          sink(this, true, c, agg ?? h);
        }
      } else if (k < current) {
        // the slot is complete: trim growth headroom (no-op when already trimmed)
        if (h.lat.counts.length !== h.lat.length) h.lat.seal();
        if (h.el.counts.length !== h.el.length) h.el.seal();
        if (k > this.histsWrittenUntil) sink?.(this, false, k, h);
      }
    }
    if (current - 1 > this.histsWrittenUntil) this.histsWrittenUntil = current - 1;
    const cutoff = Math.floor((current - histCapacity) / COARSE);
    for (const k of this.coarse.keys()) if (k < cutoff) this.coarse.delete(k);
  }

  /** Rolls tier `k − 1` slots into tier k's slot `slot`. */
  rollup(k: number, slot: number): void {
    const to = this.tiers[k];
    const from = this.tiers[k - 1];
    const ratio = to.step / from.step;
    const first = slot * ratio;
    let row: Float32Array | undefined;
    const counts = new Float64Array(NODE_FIELDS);
    const sums = new Float64Array(NODE_FIELDS);
    for (let s = first; s < first + ratio; s++) {
      const src = from.row(s, false);
      if (src === undefined) continue;
      for (let f = 0; f < NODE_FIELDS; f++) {
        const v = src[f];
        if (Number.isNaN(v)) continue;
        if (MAXED.has(f)) sums[f] = counts[f] === 0 ? v : Math.max(sums[f], v);
        else if (FROM_HIST.has(f)) sums[f] = counts[f] === 0 ? v : Math.max(sums[f], v);
        else sums[f] += v;
        counts[f]++;
      }
    }
    for (let f = 0; f < NODE_FIELDS; f++) {
      if (counts[f] === 0) continue;
      row ??= to.row(slot, true)!;
      row[f] = SUMMED.has(f) || MAXED.has(f) || FROM_HIST.has(f) ? sums[f] : sums[f] / counts[f];
    }
    if (row !== undefined && k === 1) {
      // percentiles of the coarser slot from its merged histogram, when the finest tier kept it
      const h = this.hists.get(slot * (to.step / this.tiers[1].step));
      if (h !== undefined && to.step === this.tiers[1].step) {
        if (h.lat.count > 0) latencyPercentiles(row, h.lat);
        if (h.el.count > 0) {
          row[NodeField.elP50] = h.el.quantile(0.5);
          row[NodeField.elP99] = h.el.quantile(0.99);
        }
      }
    }
    to.prune(slot);
  }

  get bytes(): number {
    let b = 600;
    for (const t of this.tiers) b += t.bytes;
    for (const h of this.hists.values()) b += h.lat.bytes + h.el.bytes + 48;
    for (const h of this.coarse.values()) b += h.lat.bytes + h.el.bytes + 48;
    for (const h of this.open.values()) b += h.lat.bytes + h.el.bytes + 48;
    return b;
  }
}
