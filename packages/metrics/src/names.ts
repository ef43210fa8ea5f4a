/**
 * Metric and attribute names perf produces and understands (OpenTelemetry semantic conventions where one
 * exists). See DESIGN.md "Metric names". Units: durations in seconds, sizes in bytes, ratios 0..1.
 */
export const Metrics = {
  httpServerRequestDuration: 'http.server.request.duration',
  httpServerActiveRequests: 'http.server.active_requests',
  /**
   * perf extension: HTTP/1 requests in flight at the export per method and route (a gauge; the route template where
   * the app has routed the request, else its normalised path) and `perf.http.response.started` (true: its response has
   * begun, a stream or a download being answered), sent only while the process holds 10 or more: the busiest 20 routes,
   * the rest under method `_OTHER`, route `other`. What `http.server.active_requests` cannot say: which route holds the
   * requests started and not answered
   */
  httpServerActiveRequestsByRoute: 'perf.http.server.active_requests.by_route',
  /** perf extension: requests that ended before their response was complete (the client left, the app destroyed it, a timeout) */
  httpServerAbortedRequests: 'http.server.aborted_requests',
  eventLoopDelay: 'nodejs.eventloop.delay',
  /** perf extension: the largest event-loop delay seen in the export interval */
  eventLoopDelayMax: 'nodejs.eventloop.delay.max',
  eventLoopUtilization: 'nodejs.eventloop.utilization',
  /**
   * perf extension (Linux): time the event-loop (main) thread was runnable but waiting for a CPU (the
   * scheduler's run delay, /proc/self/schedstat), a counter in seconds
   */
  eventLoopRunDelay: 'nodejs.eventloop.run_delay',
  gcDuration: 'v8js.gc.duration',
  heapUsed: 'v8js.memory.heap.used',
  heapLimit: 'v8js.memory.heap.limit',
  cpuUtilization: 'process.cpu.utilization',
  memoryUsage: 'process.memory.usage',
  activeHandles: 'nodejs.active_handles',
  openFds: 'process.open_file_descriptor.count',
  fdLimit: 'process.open_file_descriptor.limit',
  listenOverflows: 'system.network.listen.overflows',
  listenDrops: 'system.network.listen.drops',
  /** perf extension (Linux): connections waiting in a listening port's accept queue, per `server.port` */
  listenQueue: 'system.network.listen.queue',
  /**
   * Linux cgroup CPU bandwidth control (a container's or service's CPU quota), named like the OpenTelemetry
   * Collector's docker_stats receiver: scheduling periods, periods in which the cgroup was throttled, the
   * time its threads were held back (s), and the quota in cores (only when one is set).
   */
  cpuPeriods: 'container.cpu.throttling_data.periods',
  cpuThrottledPeriods: 'container.cpu.throttling_data.throttled_periods',
  cpuThrottledTime: 'container.cpu.throttling_data.throttled_time',
  cpuLimit: 'container.cpu.limit',
  /** perf extension: routes folded into `other` because the per-process route cap was reached */
  routesFolded: 'perf.agent.routes.folded',
  /**
   * perf extension: 1 in the last export of a process whose agent is stopping (shutdown(), SIGTERM/SIGINT, the
   * process's exit): the dashboard then shows the node as stopped at once, not as down 10 s later
   */
  agentStopping: 'perf.agent.stopping',
  /**
   * perf extension: a CPU profile of the event-loop thread, taken by the agent when the loop is busy or
   * stalls. One gauge point per function (with its caller in the app's code), valued as the share of the
   * profile's samples in which that function was on top of the stack (self time; `(idle)`,
   * `(garbage collector)`, `(program)` and `(other)` included, so the shares of one profile sum to 1). The
   * point's start and time are the profile's window; every point of one profile has the same window.
   */
  cpuProfileSelfTime: 'nodejs.cpu_profile.self_time',
  /** perf extension: the number of samples of that profile (one point, same window) */
  cpuProfileSamples: 'nodejs.cpu_profile.samples',
  /**
   * perf extension: an allocation profile of the app's heap, taken by the agent when the heap keeps growing (V8's
   * sampling heap profiler for a while). One gauge point per allocation site (the function that allocated, with
   * its caller in the app's code, as above), valued as the estimated bytes of the objects it allocated during the
   * profile that were still live at its end; `(other)` sums the sites past the agent's top list. The point's
   * start and time are the profile's window; every point of one profile has the same window.
   */
  heapProfileLiveSize: 'nodejs.heap_profile.live_size',
  /** perf extension: the number of live samples of that heap profile (one point, same window) */
  heapProfileSamples: 'nodejs.heap_profile.samples',
  /**
   * perf extension: an allocation profile of the app's heap, taken by the agent when garbage collection takes a
   * large share of the time (V8's sampling heap profiler, counting the objects collected since too). One gauge
   * point per allocation site, as above, valued as the estimated bytes it allocated during the profile; `(other)`
   * sums the rest. The point's start and time are the profile's window.
   */
  allocationProfileSize: 'nodejs.allocation_profile.size',
  /** perf extension: the number of samples of that allocation profile (one point, same window) */
  allocationProfileSamples: 'nodejs.allocation_profile.samples',
} as const;
export type MetricName = (typeof Metrics)[keyof typeof Metrics];

export const Attrs = {
  serviceName: 'service.name',
  serviceInstanceId: 'service.instance.id',
  hostName: 'host.name',
  processPid: 'process.pid',
  httpMethod: 'http.request.method',
  httpRoute: 'http.route',
  httpStatusCode: 'http.response.status_code',
  /** perf extension, on `perf.http.server.active_requests.by_route`: whether the request's response has begun (its head sent) */
  responseStarted: 'perf.http.response.started',
  gcType: 'v8js.gc.type',
  heapSpaceName: 'v8js.heap.space.name',
  serverPort: 'server.port',
  /** a profiled function (OpenTelemetry `code.*` conventions; line and column 1-based) */
  codeFunctionName: 'code.function.name',
  codeFilePath: 'code.file.path',
  codeLineNumber: 'code.line.number',
  codeColumnNumber: 'code.column.number',
  /** perf extension: the nearest frame below a profiled function that is the app's own code (not node:, not node_modules) */
  callerFunctionName: 'perf.caller.function.name',
  callerFilePath: 'perf.caller.file.path',
  callerLineNumber: 'perf.caller.line.number',
} as const;

/** The route value the agent uses once its per-process route cap is reached. */
export const OTHER_ROUTE = 'other';

/**
 * The route value of requests a framework routed without matching any of its routes (a 404 from Express's final
 * handler or Fastify's not-found handler): one route for all of them, whatever their paths.
 */
export const UNMATCHED_ROUTE = 'unmatched';
