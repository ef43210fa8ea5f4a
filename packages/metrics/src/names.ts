/**
 * Metric and attribute names perf produces and understands (OpenTelemetry semantic conventions where one
 * exists). See DESIGN.md "Metric names". Units: durations in seconds, sizes in bytes, ratios 0..1.
 */
export const Metrics = {
  httpServerRequestDuration: 'http.server.request.duration',
  httpServerActiveRequests: 'http.server.active_requests',
  /** perf extension: requests the client aborted before the response finished */
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
  gcType: 'v8js.gc.type',
  heapSpaceName: 'v8js.heap.space.name',
  serverPort: 'server.port',
} as const;

/** The route value the agent uses once its per-process route cap is reached. */
export const OTHER_ROUTE = 'other';
