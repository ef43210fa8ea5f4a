/**
 * The response shapes of the public API under `/api/v1` (DESIGN.md "Public API"), imported by the UI.
 * Additive changes only: fields are never renamed or removed once published.
 *
 * Units: durations in seconds, sizes in bytes, ratios 0..1, rates per second, times as Unix milliseconds.
 * A value is `null` when there is no data for it in the window (e.g. a percentile of zero requests).
 */

/** Every error answer: `{ error: { code, message } }` with a stable `code` (e.g. PERF_API_BAD_PARAM). */
export interface ApiError {
  error: { code: string; message: string };
}

export interface LatencyQuantiles {
  p50: number | null;
  p90: number | null;
  p99: number | null;
  p999: number | null;
}

/** `GET /api/v1/fleet?service=&window=`: the fleet over the window, percentiles from merged histograms. */
export interface Fleet {
  /** over the `window`'s seconds; NaN (null in JSON) when it has none (see `window`) */
  rps: number;
  errorRate: number;
  latency: LatencyQuantiles;
  eventLoopDelay: { p50: number | null; p99: number | null; max: number | null };
  /** nodes currently up (heard from within the last 10 s) */
  nodes: number;
  // additive fields
  /** the service filter applied, or null for every service */
  service: string | null;
  /**
   * the seconds the rates cover: the window, or less when the store's data starts within it, less the seconds a node
   * was not known in after a crash of the dashboard (see query/unknown.ts; 0 while none is, rps and errorRate null)
   */
  window: number;
  /** end of the window (Unix ms) */
  at: number;
  /** requests and errors (5xx) counted in the window */
  requests: number;
  errors: number;
  nodesUp: number;
  /** silent for PERF_NODE_DOWN_AFTER without having said they stop */
  nodesDown: number;
  /** stopped: their agents' last export said they were stopping (a deploy, a scale-in); neither up nor down */
  nodesStopped: number;
  /** mean event-loop utilisation and CPU (of one core) across up nodes, 0..1 */
  elu: number | null;
  cpu: number | null;
  /** relative-error bound of the latency percentiles (e.g. 0.0054 at scale 6; larger for explicit-bucket input) */
  relativeError: number | null;
  /** series folded into `other` by the per-service cardinality cap (so totals stay right, detail is lost) */
  foldedSeries: number;
  /**
   * requests the clients aborted (closed the connection) before the response finished, counted in the window
   * (http.server.aborted_requests): not in `requests`, `rps`, `errorRate` nor the percentiles, which are of the
   * requests that finished
   */
  aborted: number;
  /**
   * requests in flight (started, not finished nor aborted) on the up nodes at their last export in the window, summed
   * (http.server.active_requests); null when none of them reports it
   */
  inFlight: number | null;
}

/** One row of `GET /api/v1/nodes`. */
export interface NodeRow {
  instance: string;
  service: string;
  host: string;
  /** over the seconds of the window its requests are known in; NaN (null in JSON) while none is (after a crash of the dashboard) */
  rps: number;
  latency: { p50: number | null; p99: number | null };
  eventLoopDelay: { p99: number | null };
  elu: number | null;
  cpu: number | null;
  heapUsed: number | null;
  /** Unix ms of the last export received from the node */
  lastSeen: number;
  // additive fields
  /** false when nothing was heard for 10 s, or the node stopped (the row stays until the node retention passes) */
  up: boolean;
  /** its agent's last export said it was stopping (graceful shutdown, SIGTERM, exit): not up, and not down */
  stopped: boolean;
  pid: number | null;
  errorRate: number;
  eventLoopDelayMax: number | null;
  rss: number | null;
  heapLimit: number | null;
  handles: number | null;
  fds: number | null;
  /** share of wall time spent in GC over the window, 0..1 */
  gcShare: number | null;
  /** the agent/SDK that sent the data (telemetry.sdk.name + version), when known */
  version: string | null;
  /** Unix ms of the first export seen from the node */
  firstSeen: number;
  /** requests its clients aborted before the response finished, in the window (not in rps, errorRate or latency) */
  aborted: number;
  /** requests in flight (started, not finished nor aborted) at its last export in the window; null when not reported */
  inFlight: number | null;
  /**
   * the routes of those requests, busiest first, where the node's agent named them at that export (the perf agent does,
   * for HTTP/1 requests, with 10 or more in flight: `perf.http.server.active_requests.by_route`; the 20 busiest, the rest
   * as method `_OTHER`, route `other`), with `answering`: those whose response has begun (streams, server-sent events,
   * downloads being sent; the rest have had no answer yet); empty when it did not, null when `inFlight` is
   */
  inFlightRoutes: { method: string; route: string; count: number; answering: number }[] | null;
}

/** One row of `GET /api/v1/routes`. */
export interface RouteRow {
  route: string;
  method: string;
  rps: number;
  errorRate: number;
  latency: { p50: number | null; p90: number | null; p99: number | null };
  /** this route's share of the total request time of the service(s) in the window, 0..1 */
  timeShare: number;
  // additive fields
  service: string;
  requests: number;
  errors: number;
  p999: number | null;
  /** mean latency (s) */
  mean: number | null;
  /**
   * requests the clients aborted before the response finished, counted in the window (not in `requests`, `rps`,
   * `errorRate` nor the percentiles). A route whose requests all hang until their clients give up is listed with
   * `requests` 0 (`errorRate` 0, percentiles null) and its aborted count.
   */
  aborted: number;
}

/** The metric names `/api/v1/series` accepts (the same names as alert rules). */
export type SeriesMetric =
  | 'rps'
  | 'errorRate'
  | 'latency.p50'
  | 'latency.p90'
  | 'latency.p99'
  | 'latency.p999'
  | 'eventLoopDelay.p99'
  | 'eventLoopDelay.max'
  | 'elu'
  | 'cpu'
  | 'heapUsed'
  | 'rss'
  | 'gcShare'
  | 'handles'
  | 'fds'
  | 'listenQueue'
  | 'cpuThrottled'
  | 'runDelay'
  /** requests the clients aborted before the response finished, per second (by fleet, service, route or node) */
  | 'aborted'
  /** requests in flight, the mean of the step's seconds (summed over the nodes of a fleet or service line) */
  | 'inFlight';

/** `by=` of `/api/v1/series`; absent means one fleet-wide series. */
export type SeriesBy = 'fleet' | 'node' | 'route' | 'service';

export interface SeriesLine {
  /** e.g. `{}` for the fleet, `{ instance, service }`, `{ route, method, service }`, `{ service }` */
  key: Record<string, string>;
  /** [Unix ms at the start of the step, value or null when no data] in time order, one per step */
  points: [number, number | null][];
}

/** `GET /api/v1/series?metric=&by=&step=&window=&service=` */
export interface Series {
  metric: SeriesMetric;
  by: SeriesBy;
  /** step in seconds */
  step: number;
  series: SeriesLine[];
  // additive fields
  window: number;
  /** lines left out because `limit=` (default 50) was reached; the largest by value are kept */
  truncated: number;
  /**
   * Unix ms up to which the data is settled: no export is expected to add to a step that ends by then, while a later
   * one may still be partial (its rate reads low until every node's export of it has arrived). Optional: not every
   * producer of a Series (tests, older servers) sets it.
   */
  settledUntil?: number;
}

/** `GET /api/v1/heatmap?service=&window=&step=&route=&instance=`: request counts per latency bucket per step. */
export interface Heatmap {
  step: number;
  window: number;
  /** start of each time step (Unix ms) */
  times: number[];
  /** latency bucket boundaries in seconds, increasing, log-spaced: bucket i is (bounds[i], bounds[i+1]] */
  bounds: number[];
  /** counts[t][i]: requests in time step t with latency in bucket i (length bounds.length − 1) */
  counts: number[][];
  /** largest single cell, for colour scaling */
  maxCount: number;
  /** per-step p50/p99 overlay (seconds, null when empty) */
  p50: (number | null)[];
  p99: (number | null)[];
}

/** One entry of `GET /api/v1/services`. */
export interface ServiceInfo {
  name: string;
  nodesUp: number;
  /** silent without having said they stop */
  nodesDown: number;
  /** stopped gracefully (their agents said so): neither up nor down */
  nodesStopped: number;
  /**
   * distinct series of the service (metric + attributes across its instances: 1,000 nodes exporting the
   * same 50 series count 50), and the cap that applies to them (PERF_MAX_SERIES_PER_SERVICE)
   */
  series: number;
  seriesCap: number;
  /** series held per instance (each node's copy of each series): what memory follows */
  instanceSeries: number;
  /** series folded into `other` because the cap was reached (since start) */
  foldedSeries: number;
  /** data points that landed in folded series (since start) */
  foldedPoints: number;
  routes: number;
  lastSeen: number;
}
export type Services = ServiceInfo[];

/** `GET /api/v1/status`: the dashboard process itself. */
export interface Status {
  version: string;
  uptime: number;
  now: number;
  ingest: {
    /** requests and data points per second over the last 10 s */
    requestsPerSecond: number;
    pointsPerSecond: number;
    /** totals since start */
    requests: number;
    points: number;
    /** points rejected (partial success), by reason */
    rejectedPoints: number;
    rejectedByReason: Record<string, number>;
    /** requests refused whole, by HTTP status ("400", "401", "413", "415", "429", "503") */
    refusedRequests: Record<string, number>;
    duplicatePoints: number;
    outOfOrderPoints: number;
    resets: number;
    queueDepth: number;
    queueCapacity: number;
    /** OTLP connections closed at once because PERF_INGEST_MAX_CONNECTIONS were open, and that limit */
    droppedConnections: number;
    maxConnections: number;
  };
  store: {
    services: number;
    nodes: number;
    nodesUp: number;
    /** series held per instance (each node's copy of each series), across services */
    series: number;
    /** estimate of the bytes held by the store's data structures */
    bytes: number;
    bytesPerSeries: number;
    tiers: { step: number; retention: number }[];
    foldedSeries: number;
    /** nodes forgotten (silent a minute or stopped) to let new ones in at an instance cap */
    evictedNodes: number;
    /** services forgotten (no node left, every one silent past the node retention) to let a new one in at PERF_MAX_SERVICES */
    evictedServices: number;
    /** Unix ms of the last successful SQLite flush, null before the first */
    lastFlush: number | null;
    /** the data file's writes failing now (a full disk): the error and since when (Unix ms); null while they succeed */
    flushError: { message: string; since: number } | null;
    /** the data file deleted or replaced while the dashboard runs: what that means, and since when (Unix ms) */
    fileGone: { message: string; since: number } | null;
    /** rows of history dropped because writes kept failing past 1,000,000 waiting */
    lostRows: number;
    persistence: 'sqlite' | 'memory';
    dataDir: string | null;
  };
  process: {
    rss: number;
    heapUsed: number;
    /** memory of C++ objects bound to JS objects, and of that the ArrayBuffers and Buffers (the store's rows, request bodies) */
    external: number;
    arrayBuffers: number;
    /** the dashboard's own event-loop delay over the last ~10 s, seconds */
    eventLoopDelay: { p50: number; p99: number; max: number };
    elu: number;
  };
  stream: { clients: number; lastEventId: number };
  /** whether `/api/v1` and the UI require PERF_API_TOKEN (the UI shows "Sign out" then) */
  auth: { apiToken: boolean };
  /** the OTLP/HTTP receiver agents export to: the port it listens on (PERF_OTLP_PORT, default 4318) */
  otlp: { port: number };
  /** the Prometheus source (PERF_PROMETHEUS_URL): pulls, failures, the last error and series count; null without one */
  prometheus?: { url: string; pulls: number; failures: number; lastError: string | null; lastSeries: number; lastPullAt: number | null } | null;
  /** the alert engine (server/alerts); null when it is not running (see `modules` for why) */
  alerts?: AlertsStatus | null;
  /** each module of the process (server/diagnose, server/alerts) and whether it mounted; a failed one says why */
  modules?: Record<string, { mounted: boolean; error: string | null }>;
}

/** `GET /api/v1/status` → `alerts`: the alert engine at a glance. */
export interface AlertsStatus {
  /** rules in effect (API and file) */
  rules: number;
  firing: number;
  /** Unix ms of the last evaluation, null before the first */
  lastEvaluation: number | null;
  /** PERF_ALERT_RULES_FILE; null when none is set */
  rulesFile: RulesFileStatus | null;
  /** alerts.sqlite deleted or replaced while the dashboard runs (what it holds since is lost at the next stop); null while it is there */
  fileGone: { message: string; since: number } | null;
}

/** The rules file (PERF_ALERT_RULES_FILE) as last read: which version is in effect and why a newer one is not. */
export interface RulesFileStatus {
  path: string;
  /** rules from the file in effect: its last valid version (kept in alerts.sqlite across restarts); 0 when none ever loaded */
  rules: number;
  /** Unix ms when this process last loaded a valid version; null when it has not */
  loadedAt: number | null;
  /** why the file as it is now is not in effect (the file, the entry and the field); null when it is */
  error: { code: 'RULES_FILE_INVALID'; message: string; field: string | null; at: number } | null;
}

/** One finding of `GET /api/v1/findings` (built by server/diagnose). */
export interface Finding {
  kind: string;
  severity: 'info' | 'warning' | 'critical';
  summary: string;
  evidence: Record<string, unknown> | string[] | string;
  nodes: string[];
  routes: string[];
  /** Unix ms since when the finding holds */
  since: number;
}

/** One function of a CPU profile (`GET /api/v1/profiles`, and a finding's `hotCode`). */
export interface ProfileFunction {
  /** the function's name; `(anonymous)` for an anonymous one; `(garbage collector)`, `(program)` (V8 and native work
   * outside JavaScript), `(idle)` and `(other)` (every function past the agent's top list) are not code */
  name: string;
  /** the file (a path for files on disk, else the script's URL, e.g. `node:internal/…`); '' when none */
  file: string;
  /** 1-based line and column; 0 when unknown */
  line: number;
  column: number;
  /** share of the profile's samples with this function on top of the stack (self time), 0..1 */
  share: number;
  /** the nearest caller in the app's own code (not `node:`, not `node_modules`), when this function is not */
  caller: { name: string; file: string; line: number } | null;
}

/** Whose profile and when: what every profile the API serves starts with. */
export interface ProfileWindow {
  instance: string;
  service: string;
  host: string;
  /** Unix ms of the profile's start and end */
  start: number;
  end: number;
  /** samples taken (CPU: one every few ms; heap: live samples, one every few hundred KB allocated) */
  samples: number;
}

/** The last CPU profile of a node's event-loop thread (the agent takes one when the loop is busy or stalls). */
export interface CpuProfile extends ProfileWindow {
  /** share of the samples the thread was not idle, 0..1 */
  busy: number;
  /** worst first; the shares of one profile (with `(idle)` and `(other)`) sum to 1 */
  functions: ProfileFunction[];
}

/** One allocation site of a heap profile: the function that allocated (and its caller in the app's code). */
export interface HeapSite extends Omit<ProfileFunction, 'share'> {
  /** estimated bytes of the objects it allocated during the profile that were still live at its end (an allocation profile's: all it allocated) */
  bytes: number;
  /** its share of the profile's live bytes, 0..1 (the shares of one profile, `(other)` included, sum to 1) */
  share: number;
}

/**
 * The last heap profile of a node (`GET /api/v1/heap-profiles`, and a memory-leak finding's `heapProfile`): the
 * agent takes one when the heap keeps growing. What was allocated during the window and is still held at its end
 * is what a leak is made of. The same shape holds a node's last allocation profile (`GET
 * /api/v1/allocation-profiles`, a gc-pressure finding's `allocations`), taken when GC takes a large share of the
 * time: there `bytes` counts everything allocated during the window, collected since or not.
 */
export interface HeapProfile extends ProfileWindow {
  /** estimated bytes allocated during the window and still live at its end (an allocation profile: all of them); the sum of the sites */
  bytes: number;
  /** largest first */
  functions: HeapSite[];
}

/** The data of each `snapshot` event on `GET /api/v1/stream` (one per second; `id:` is `seq`). */
export interface StreamSnapshot {
  /** increasing event id, also sent as the SSE `id:` field */
  seq: number;
  /** Unix ms of the second the snapshot describes */
  at: number;
  /** the server's clock (Unix ms) when it built the snapshot: the UI ages "last seen" times by it, not the browser's */
  serverTime: number;
  /** fleet over the last 10 s, per service filter of the stream (all services when none) */
  fleet: Fleet;
  /** the same numbers for the last second only (for live counters) */
  second: { rps: number; errorRate: number; latency: LatencyQuantiles };
  /** the top nodes by rps plus any down nodes (at most 200) */
  nodes: NodeRow[];
  /** the top routes by time share (at most 50) */
  routes: RouteRow[];
  services: Services;
  findings: Finding[];
  /** active alerts count (0 until the alerts engine mounts) */
  alertsFiring: number;
  /** the store's source cannot be read (PERF_PROMETHEUS_URL unreachable): nodes look silent because of it; null when fine */
  source: { source: string; error: string; since: number } | null;
}

/** `POST /api/v1/login` answer (the token is set as an http-only cookie). */
export interface LoginResult {
  ok: true;
}
