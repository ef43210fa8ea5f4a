import { StoreHistogram } from './histogram.js';
import type { SparseDelta } from './delta.js';
import { NodeField, NodeState, type NodeMeta, type FieldRing, type NodeHistSink } from './node.js';
import { SlotMap, newRequestSlot, requestSlotBytes, type RequestSlot } from './slots.js';
import { defaultStoreOptions, secondTier, type StoreOptions } from './config.js';
import { noteCatchUp, pruneCatchUps, type CatchUp } from './catch-up.js';

let routeSeq = 0;

/** The fleet-level request series of one route of one service, in every tier. */
export class RouteState {
  readonly tiers: SlotMap<RequestSlot>[];
  lastSeen = 0;
  /**
   * Unix s: the latest second this route holds data for (-1: none yet): its requests' latest second, or for slots read
   * back from the data file the end of the newest one. A route whose `lastData` is before a read's first second has
   * nothing in it, whatever the tier.
   */
  lastData = -1;
  /** creation order across the store: the order `ServiceState.routes` iterates in */
  readonly seq = routeSeq++;
  /** set when the store dropped this route (no data left in any tier); holders re-resolve it */
  dropped = false;
  /**
   * Explicit-bucket input: the widest relative width of a populated input bucket (what bounds the percentiles'
   * error instead of the histogram scale's), and the last second such input arrived (-1: never)
   */
  spreadError = 0;
  spreadErrorAt = -1;
  /** deltas that caught up on an interruption, spread over their seconds by reads (see catch-up.ts) */
  catchUps: CatchUp[] | undefined = undefined;
  constructor(
    readonly service: string,
    readonly method: string,
    readonly route: string,
    options: StoreOptions,
  ) {
    this.tiers = options.tiers.map((t) => new SlotMap<RequestSlot>(t.step, Math.ceil(t.retention / t.step)));
  }
  get bytes(): number {
    let b = 200;
    for (const t of this.tiers) for (const s of t.slots.values()) b += requestSlotBytes(s);
    return b;
  }
}

/** One service: its nodes, routes and fleet event-loop histograms. */
export class ServiceState {
  readonly nodes = new Map<string, NodeState>();
  readonly routes = new Map<string, RouteState>();
  /**
   * The routes with data in the last `FleetStore.recentSeconds`, roughly least recent first (a route moves to the end
   * when a later second of it arrives). What runs every second (settling, the diagnosis) walks these instead of every
   * route the coarse tiers keep for up to a week: an outside audit sent 60,000 routes one second of traffic each, and
   * walking them all cost the dashboard most of a core long after they went quiet.
   */
  readonly recentRoutes = new Set<RouteState>();
  /** fleet event-loop delay histogram per slot, per tier */
  readonly el: SlotMap<StoreHistogram>[];
  /** distinct series keys (metric + attributes) → how many of the service's nodes hold one; the cap applies to its size */
  readonly seriesKeys = new Map<string, number>();
  /** per-instance series held (ingest states, one per node per key): what memory follows */
  series = 0;
  /** distinct series folded by the cap (counted up to FOLD_TRACK_LIMIT distinct keys, then by points) */
  foldedSeries = 0;
  foldedPoints = 0;
  readonly foldedKeys = new Set<string>();
  lastSeen = 0;
  /** Unix s of the service's first data this store holds (first sight, or the oldest slot loaded): its rates' span starts there */
  dataSince = Infinity;
  constructor(
    readonly name: string,
    options: StoreOptions,
  ) {
    this.el = options.tiers.map((t) => new SlotMap<StoreHistogram>(t.step, Math.ceil(t.retention / t.step)));
  }
}

/** Where settled slots go (SQLite persistence); the store works without one. */
export interface StoreSink {
  route(tier: number, route: RouteState, slot: number, data: RequestSlot): void;
  node(tier: number, node: NodeState, slot: number, row: Float32Array): void;
  eventLoop(tier: number, service: string, slot: number, hist: StoreHistogram): void;
  nodeRemoved(node: NodeState): void;
  /** a catch-up span noted or grown (kept across restarts: a later restart read its requests as a spike) */
  catchUp?(service: string, subject: string, span: CatchUp): void;
  /** a node's window histograms as they settle (see NodeHistSink; a restart lost every node's window percentiles) */
  nodeHist?: NodeHistSink;
}

const FOLD_TRACK_LIMIT = 100_000;
/** how a persisted catch-up span names its subject: a route ("GET /x", as ServiceState.routes keys it) or a node */
export const ROUTE_SUBJECT = 'r:';
export const NODE_SUBJECT = 'n:';
/** a node silent this long (ms) may be forgotten to let a new one in at an instance cap */
export const EVICT_SILENT_MS = 60_000;
/** forgotten nodes remembered (FleetStore.#forgotten): a day of them, 100,000 at most (≈ 10 MB) */
const FORGOTTEN_MS = 24 * 3600_000;
const FORGOTTEN_MAX = 100_000;
const forgottenKey = (service: string, instance: string) => `${service}\u0000${instance}`;
/** default FleetStore.recentSeconds: the diagnosis' 120 s window and the settle delay, with room */
const RECENT_SECONDS = 180;
/**
 * Seconds between sweeps of every route (dropping expired finest-tier slots and catch-up spans of routes no longer
 * recent, and routes left with no data): between them, a route that went quiet costs nothing per second.
 */
const SWEEP_SECONDS = 10;
/** the route series that folded (over-cap) traffic of a service lands in */
export const FOLDED_ROUTE = 'other';

/**
 * The in-memory fleet store. Writes come from ingest (already de-cumulated deltas); reads from query/.
 * Time: `t` are Unix seconds, slot numbers are `floor(t / step)` per tier.
 */
/** How long after its process said it stopped a node of that process is still taken as stopping when it exports (ms). */
const PROCESS_STOP_MS = 10_000;

export class FleetStore {
  readonly options: StoreOptions;
  readonly services = new Map<string, ServiceState>();
  sink: StoreSink | undefined;
  /** every second ≤ this is settled (rolled into node rows and handed to the sink) */
  settledUntil: number;
  /**
   * ms the oldest export waiting to be applied has waited (the receiver sets it; 0 without one): a node whose last
   * export is still in the queue is not silent (an outside audit's dashboard, behind on ingest, showed 250 healthy
   * nodes of 1,000 down)
   */
  ingestLag: () => number = () => 0;
  /** per tier k ≥ 1: slots < this are rolled up */
  readonly rolledUntil: number[];
  readonly startedAt = Date.now();
  /** the clock the store was created at (the constructor's `now`): node silence counts from here at the earliest */
  readonly openedAt: number;
  /**
   * Unix second from which the store can hold data: its start, or the oldest slot read back from the data file.
   * A rate over a window reaching further back is over the part from here (see FleetView.covered).
   */
  dataSince: number;
  /**
   * Seconds this store could not have received anything in (Unix s, inclusive): from just after the last second a
   * previous dashboard on the same data wrote to its start (set by the persistence's load). Reads show a rate there
   * only where requests that caught up on it were spread back (catch-up.ts); elsewhere none, not a rate of 0.
   */
  downtime: { from: number; to: number } | undefined = undefined;
  /**
   * Every downtime of the dashboard on this data within the retention, the last one included (the persistence's load
   * keeps them in the data file): a later restart turned an earlier outage's gap into zeros (live verification).
   */
  downtimes: { from: number; to: number }[] = [];
  /** nodes forgotten to let new ones in at an instance cap (see evictSilent) */
  evictedNodes = 0;
  #evictBlockedUntil = 0;
  /**
   * Nodes forgotten (silent past PERF_NODE_RETENTION, or evicted at a cap) → when each was last seen (ms), in order of
   * forgetting, at most FORGOTTEN_MAX of the last FORGOTTEN_MS: one that comes back is not new (NodeState.lastSeenBefore)
   */
  readonly #forgotten = new Map<string, number>();
  /** services forgotten to let a new one in at PERF_MAX_SERVICES (see serviceAllowed) */
  evictedServices = 0;
  /** moves whenever a route is created or dropped (with its service too): per-route caches are rebuilt when it has */
  routesVersion = 0;
  #serviceEvictBlockedUntil = 0;
  /**
   * Unix ms of the last export a previous dashboard on the same data heard (set by the persistence's load; 0: none):
   * about when it stopped, if any node was live then. A node silent longer than it may be by then was down already.
   */
  lastHeardBeforeStop = 0;
  /**
   * The store is fed from a source it cannot read now (PERF_PROMETHEUS_URL unreachable): its nodes look silent
   * because of that, not because they stopped. Undefined while the source answers (and with OTLP, always).
   */
  sourceTrouble: { source: string; error: string; since: number } | undefined = undefined;
  /** seconds a route stays in its service's `recentRoutes` after its last data (keepRecent raises it) */
  recentSeconds = RECENT_SECONDS;
  /** Unix s: every route with data from this second on is in its service's `recentRoutes` */
  recentFrom = -Infinity;
  /** the last settled second at the last sweep of every route */
  #sweptUntil: number;

  constructor(options: Partial<StoreOptions> = {}, now = Date.now()) {
    this.options = defaultStoreOptions(options);
    this.openedAt = now;
    const nowSec = Math.floor(now / 1000);
    this.dataSince = nowSec;
    this.settledUntil = nowSec - this.options.settleSeconds;
    this.rolledUntil = this.options.tiers.map((t) => Math.floor((this.settledUntil + 1) / t.step));
    this.#sweptUntil = this.settledUntil;
  }

  /** Keeps routes in `recentRoutes` for at least `seconds` after their last data (a reader's window). */
  keepRecent(seconds: number): void {
    if (seconds > this.recentSeconds) this.recentSeconds = seconds;
  }

  /** Notes that the route holds data for second `t` (Unix s): it is recent from then. */
  noteRouteData(service: ServiceState, route: RouteState, t: number): void {
    if (t <= route.lastData) return;
    route.lastData = t;
    // to the end: the set stays (roughly) in order of last data, so the tick drops quiet routes from its front
    service.recentRoutes.delete(route);
    service.recentRoutes.add(route);
  }

  service(name: string): ServiceState {
    let s = this.services.get(name);
    if (s === undefined) {
      s = new ServiceState(name, this.options);
      this.services.set(name, s);
    }
    return s;
  }

  /** Notes that the service sends data at `now` (ms): its rates are over what it has been seen for. */
  serviceSeen(service: ServiceState, now: number): void {
    const sec = Math.floor(now / 1000);
    if (sec < service.dataSince) service.dataSince = sec;
  }

  /**
   * The node, created on first sight; undefined when the service is at its instance cap (folded) and no node there has
   * been silent for EVICT_SILENT_MS to make room (see evictSilent).
   */
  node(service: ServiceState, meta: NodeMeta, now: number): NodeState | undefined {
    let n = service.nodes.get(meta.instance);
    if (n === undefined) {
      const full = service.nodes.size >= this.options.maxNodesPerService;
      if ((full || this.nodeCount() >= this.options.maxNodes) && !this.evictSilent(full ? service : undefined, now)) return undefined;
      n = new NodeState(meta, this.options.tiers, this.options.nodeScale, now);
      const key = forgottenKey(service.name, meta.instance);
      n.lastSeenBefore = this.#forgotten.get(key);
      this.#forgotten.delete(key);
      service.nodes.set(meta.instance, n);
    } else if (meta.pid !== null && meta.pid !== n.meta.pid) {
      // a process restarted under the same instance id (systemd, a named host): the node is the new process (an
      // outside audit was sent to the dead process's pid)
      if (n.meta.pid !== null) n.startedAt = now;
      n.meta.pid = meta.pid;
      n.meta.version = meta.version ?? n.meta.version;
      n.meta.host = meta.host;
    }
    n.noteExport(now);
    n.firstSinceOpen = n.lastSeen < this.openedAt;
    n.lastSeen = now;
    // an export: the node runs (a restarted process reusing its instance id included), until one says it stops; but
    // a worker thread's regular export in its process's last seconds does not undo the stop its main thread said
    if (n.stoppedAt === undefined || !(n.stoppedWithProcess && now - n.stoppedAt < PROCESS_STOP_MS)) {
      n.stoppedAt = undefined;
      n.stoppedWithProcess = false;
    }
    if (now > service.lastSeen) service.lastSeen = now;
    return n;
  }

  /**
   * The node's agent said it is stopping (`perf.agent.stopping`): it is stopped, and so are the other nodes of its
   * process (same host and pid: worker threads that serve HTTP, with PERF_WORKER_THREADS), which end with it and whose
   * agents get no signal to say so (an outside audit: each worker thread of a process stopped by SIGTERM was shown
   * down, and would fire `nodeDown` on every deploy). One of those that exports again PROCESS_STOP_MS later runs on.
   */
  stopped(service: ServiceState, node: NodeState, now: number): void {
    node.stoppedAt = now;
    node.stoppedWithProcess = false;
    const { host, pid } = node.meta;
    if (pid === null) return;
    for (const other of service.nodes.values()) {
      if (other === node || other.stoppedAt !== undefined || other.meta.pid !== pid || other.meta.host !== host) continue;
      other.stoppedAt = now;
      other.stoppedWithProcess = true;
    }
  }

  /**
   * At an instance cap, forgets the node silent longest (of `service`, else of any service), if it has been silent for
   * EVICT_SILENT_MS or said it stops, to let a new one in: live nodes outrank dead ones. The caps were first-come: an
   * outside audit's 5,000 fake instances, sent once, kept every new node (a restarted pod included) uncounted for the
   * 15 min of the node retention. Scans at most once a second while nothing can go.
   */
  private evictSilent(service: ServiceState | undefined, now: number): boolean {
    if (now < this.#evictBlockedUntil) return false;
    let victim: { svc: ServiceState; id: string; node: NodeState } | undefined;
    for (const svc of service === undefined ? this.services.values() : [service]) {
      for (const [id, node] of svc.nodes) {
        const silentFor = now - Math.max(node.lastSeen, this.openedAt);
        if (node.stoppedAt === undefined && silentFor < EVICT_SILENT_MS) continue;
        if (victim === undefined || node.lastSeen < victim.node.lastSeen) victim = { svc, id, node };
      }
    }
    if (victim === undefined) {
      this.#evictBlockedUntil = now + 1000;
      return false;
    }
    this.forgetNode(victim.svc, victim.id, victim.node);
    this.evictedNodes++;
    return true;
  }

  /** Drops a node and its ingest states (its series no longer count toward the caps). */
  private forgetNode(svc: ServiceState, id: string, node: NodeState): void {
    svc.nodes.delete(id);
    // remembered (a while, a number of them) for the case it comes back: see NodeState.lastSeenBefore
    const key = forgottenKey(svc.name, id);
    this.#forgotten.delete(key);
    this.#forgotten.set(key, node.lastSeen);
    for (const [k, at] of this.#forgotten) {
      if (this.#forgotten.size <= FORGOTTEN_MAX && node.lastSeen - at <= FORGOTTEN_MS) break;
      this.#forgotten.delete(k);
    }
    svc.series -= node.states.size;
    for (const key of node.states.keys()) {
      const refs = (svc.seriesKeys.get(key) ?? 1) - 1;
      if (refs > 0) svc.seriesKeys.set(key, refs);
      else svc.seriesKeys.delete(key);
    }
    this.sink?.nodeRemoved(node);
  }

  /** Distinct series across all services (counted when a new one would be created: services are few). */
  distinctSeries(): number {
    let n = 0;
    for (const s of this.services.values()) n += s.seriesKeys.size;
    return n;
  }

  /** Nodes across all services (counted when a new one would be created: services are few). */
  nodeCount(): number {
    let n = 0;
    for (const s of this.services.values()) n += s.nodes.size;
    return n;
  }

  /**
   * Whether points of this service may be stored: a known one, or a new one while there are fewer than maxServices,
   * or when a service with no node left (every one silent past the node retention) can make room: the one heard from
   * longest ago is forgotten, its history with it. The cap was first-come: an outside audit's one export naming 200
   * services locked every new service out for as long as the coarse tiers kept theirs (7 days, restarts included).
   */
  serviceAllowed(name: string, now = Date.now()): boolean {
    if (this.services.has(name) || this.services.size < this.options.maxServices) return true;
    if (now < this.#serviceEvictBlockedUntil) return false;
    let victim: ServiceState | undefined;
    for (const svc of this.services.values()) {
      if (svc.nodes.size > 0 || now - svc.lastSeen <= this.options.nodeRetentionMs) continue;
      if (victim === undefined || svc.lastSeen < victim.lastSeen) victim = svc;
    }
    if (victim === undefined) {
      this.#serviceEvictBlockedUntil = now + 1000;
      return false;
    }
    for (const route of victim.routes.values()) route.dropped = true;
    this.routesVersion++;
    this.services.delete(victim.name);
    this.evictedServices++;
    return true;
  }

  route(service: ServiceState, method: string, route: string): RouteState {
    const key = method + ' ' + route;
    let r = service.routes.get(key);
    if (r === undefined) {
      r = new RouteState(service.name, method, route, this.options);
      service.routes.set(key, r);
      this.routesVersion++;
    }
    return r;
  }

  /** Counts a folded series point (and the series, the first time its key is seen). */
  fold(service: ServiceState, key: string): void {
    service.foldedPoints++;
    if (service.foldedKeys.size < FOLD_TRACK_LIMIT) {
      if (!service.foldedKeys.has(key)) {
        service.foldedKeys.add(key);
        service.foldedSeries++;
      }
    } else {
      service.foldedSeries = Math.max(service.foldedSeries, service.foldedKeys.size);
    }
  }

  /** Adds a request-duration delta of second t to the route (fleet level) and the node. */
  addRequests(route: RouteState, node: NodeState | undefined, t: number, delta: SparseDelta, isError: boolean): void {
    const slot = this.secondSlot(route, t);
    slot.requests += delta.count;
    if (isError) slot.errors += delta.count;
    slot.hist.mergeSparse(delta);
    if (node !== undefined) {
      node.openSecond(t).lat.mergeSparse(delta);
      node.addField(t, 0, delta.count);
      if (isError) node.addField(t, 1, delta.count);
      node.addField(t, 14, delta.sum);
    }
  }

  /**
   * Adds `count` requests of second t that the client aborted before the response finished (de-cumulated by ingest) to
   * the route (fleet level) and the node. They have no duration: the slot's histogram and `requests` stay as they are.
   */
  addAborted(route: RouteState, node: NodeState | undefined, t: number, count: number): void {
    this.secondSlot(route, t).aborted += count;
    if (node !== undefined) node.addField(t, NodeField.aborted, count);
  }

  /** The route's finest-tier slot of second t, created on first use; the route holds data for t from now on. */
  private secondSlot(route: RouteState, t: number): RequestSlot {
    let slot = route.tiers[0].get(t);
    if (slot === undefined) {
      slot = newRequestSlot(this.options.fleetScale);
      route.tiers[0].set(t, slot);
    }
    if (t > route.lastSeen) route.lastSeen = t;
    if (t > route.lastData) {
      const svc = this.services.get(route.service);
      if (svc !== undefined) this.noteRouteData(svc, route, t);
    }
    return slot;
  }

  /**
   * Notes that the requests just added in second `at` (addRequests; aborted ones: addAborted) were served over the
   * seconds `from`…`to`: a node's first export after an interruption (see catch-up.ts).
   */
  noteCatchUp(route: RouteState, node: NodeState | undefined, from: number, to: number, at: number, requests: number, errors: number, aborted = 0): void {
    noteCatchUp((route.catchUps ??= []), from, to, at, requests, errors, aborted);
    if (node !== undefined) noteCatchUp((node.catchUps ??= []), from, to, at, requests, errors, aborted);
    const sink = this.sink;
    if (sink?.catchUp === undefined) return;
    const span = (list: CatchUp[]) => list.findLast((c) => c.from === from && c.to === to && c.at === at);
    const r = span(route.catchUps);
    if (r !== undefined) sink.catchUp(route.service, ROUTE_SUBJECT + route.method + ' ' + route.route, r);
    const n = node?.catchUps === undefined ? undefined : span(node.catchUps);
    if (n !== undefined) sink.catchUp(route.service, NODE_SUBJECT + node!.meta.instance, n);
  }

  /** Adds an event-loop delay delta of second t to the service (fleet) and the node. */
  addEventLoop(service: ServiceState, node: NodeState | undefined, t: number, delta: SparseDelta): void {
    let h = service.el[0].get(t);
    if (h === undefined) {
      h = new StoreHistogram(this.options.fleetScale, 2048, 0);
      service.el[0].set(t, h);
    }
    h.mergeSparse(delta);
    if (node !== undefined) node.openSecond(t).el.mergeSparse(delta);
  }

  /** Settles seconds, rolls tiers up, drops nodes past retention. Called once a second. */
  tick(now = Date.now()): void {
    const nowSec = Math.floor(now / 1000);
    const until = nowSec - this.options.settleSeconds;
    const tiers = this.options.tiers;
    const histStep = secondTier(this.options).step;
    const histCapacity = Math.ceil(tiers[0].retention / histStep);
    // catch-up spans are spread by reads for as long as the 10 s tier holds them
    const spreadSince = nowSec - secondTier(this.options).retention;
    const sink = this.sink;
    const quietBefore = nowSec - this.recentSeconds;
    if (quietBefore > this.recentFrom) this.recentFrom = quietBefore;
    for (const svc of this.services.values()) {
      for (const [id, node] of svc.nodes) {
        // silence counts from this process's start at the earliest: a node restored after a long stop of the
        // dashboard (its agents backing off) gets the whole retention to report again
        if (now - Math.max(node.lastSeen, this.openedAt) > this.options.nodeRetentionMs) {
          this.forgetNode(svc, id, node);
          continue;
        }
        node.settle(until, histStep, histCapacity, sink?.nodeHist);
        if (sink !== undefined) {
          for (let t = this.settledUntil + 1; t <= until; t++) {
            const row = node.tiers[0].row(t, false);
            if (row !== undefined) sink.node(0, node, t, row);
          }
        }
        node.tiers[0].prune(until);
        if (node.catchUps !== undefined) pruneCatchUps(node.catchUps, spreadSince);
      }
      // only the recent routes can hold seconds to settle (their data is in the last recentSeconds); the others'
      // finest-tier slots expire at the sweep below
      for (const route of svc.recentRoutes) {
        const last = Math.min(until, route.lastData);
        for (let t = this.settledUntil + 1; t <= last; t++) {
          const s = route.tiers[0].get(t);
          if (s === undefined) continue;
          // settled: trim the growth headroom (and halve the bytes when counts are whole numbers)
          s.hist.seal();
          sink?.route(0, route, t, s);
        }
        route.tiers[0].prune(until);
        if (route.catchUps !== undefined) pruneCatchUps(route.catchUps, spreadSince);
        if (isEmpty(route)) this.dropRoute(svc, route);
      }
      for (const route of svc.recentRoutes) {
        if (route.lastData >= quietBefore) break;
        svc.recentRoutes.delete(route);
      }
      for (let t = this.settledUntil + 1; t <= until; t++) {
        const h = svc.el[0].get(t);
        if (h === undefined) continue;
        h.seal();
        sink?.eventLoop(0, svc.name, t, h);
      }
      svc.el[0].prune(until);
    }
    if (until > this.settledUntil) this.settledUntil = until;
    if (this.settledUntil >= this.#sweptUntil + SWEEP_SECONDS) {
      this.#sweptUntil = this.settledUntil;
      for (const svc of this.services.values()) {
        for (const route of svc.routes.values()) {
          route.tiers[0].prune(this.settledUntil);
          if (route.catchUps !== undefined) pruneCatchUps(route.catchUps, spreadSince);
          if (isEmpty(route)) this.dropRoute(svc, route);
        }
      }
    }
    for (let k = 1; k < tiers.length; k++) {
      const step = tiers[k].step;
      while ((this.rolledUntil[k] + 1) * step <= this.settledUntil + 1) {
        this.rollupSlot(k, this.rolledUntil[k]);
        this.rolledUntil[k]++;
      }
    }
    for (const [name, svc] of this.services) {
      if (svc.nodes.size === 0 && svc.routes.size === 0 && now - svc.lastSeen > this.options.nodeRetentionMs) this.services.delete(name);
    }
  }

  private dropRoute(svc: ServiceState, route: RouteState): void {
    route.dropped = true;
    this.routesVersion++;
    svc.routes.delete(route.method + ' ' + route.route);
    svc.recentRoutes.delete(route);
  }

  private rollupSlot(k: number, slot: number): void {
    const ratio = this.options.tiers[k].step / this.options.tiers[k - 1].step;
    const first = slot * ratio;
    const since = slot * this.options.tiers[k].step;
    const sink = this.sink;
    for (const svc of this.services.values()) {
      for (const route of svc.routes.values()) {
        let out: RequestSlot | undefined;
        // a route with no data since the slot began has nothing to roll up: no lookups (most routes, after a flood)
        if (route.lastData >= since) {
          for (let s = first; s < first + ratio; s++) {
            const src = route.tiers[k - 1].get(s);
            if (src === undefined) continue;
            out ??= newRequestSlot(this.options.fleetScale);
            out.requests += src.requests;
            out.errors += src.errors;
            out.aborted += src.aborted;
            out.hist.merge(src.hist);
          }
        }
        if (out !== undefined) {
          out.hist.seal();
          route.tiers[k].set(slot, out);
          sink?.route(k, route, slot, out);
        }
        route.tiers[k].prune(slot);
      }
      let el: StoreHistogram | undefined;
      for (let s = first; s < first + ratio; s++) {
        const src = svc.el[k - 1].get(s);
        if (src === undefined) continue;
        el ??= new StoreHistogram(this.options.fleetScale, 2048, 0);
        el.merge(src);
      }
      if (el !== undefined) {
        el.seal();
        svc.el[k].set(slot, el);
        sink?.eventLoop(k, svc.name, slot, el);
      }
      svc.el[k].prune(slot);
      for (const node of svc.nodes.values()) {
        node.rollup(k, slot);
        const row = node.tiers[k].row(slot, false);
        if (row !== undefined && sink !== undefined) sink.node(k, node, slot, row);
      }
    }
  }

  /** Estimated bytes held by the store (typed arrays, slots, per-series state). */
  bytes(stateBytes: (node: NodeState) => number): number {
    let b = 0;
    for (const svc of this.services.values()) {
      b += 400;
      for (const r of svc.routes.values()) b += r.bytes;
      for (const t of svc.el) for (const h of t.slots.values()) b += h.bytes + 40;
      for (const n of svc.nodes.values()) b += n.bytes + stateBytes(n);
    }
    return b;
  }

  /** The finest tier ring of a node (its per-second rows). */
  static secondRing(node: NodeState): FieldRing {
    return node.tiers[0];
  }
}

function isEmpty(route: RouteState): boolean {
  for (const t of route.tiers) if (t.size > 0) return false;
  return true;
}
