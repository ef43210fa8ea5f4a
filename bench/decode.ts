// bench:decode — OTLP ExportMetricsServiceRequest decoding, one core: perf's hand-written protobuf reader
// against protobufjs 8.8.1 (reflection + generated decoders from the opentelemetry-proto schema, the text
// of which is below) on the same bytes in the same run; and perf's JSON decoder against bare JSON.parse.
// The export is what a 50-node fleet sends each interval: per node 20 routes × 3 status classes of
// `http.server.request.duration` exponential histograms plus 15 runtime series (gauges, sums, and
// histograms for event-loop delay and GC), at three histogram sizes (~90, ~370 and ~1,500 buckets).
//   pnpm bench:decode            (PERF_BENCH_QUICK=1 for a short smoke run)
import protobuf from 'protobufjs';
import { decodeJson, decodeProtobuf, encodeJson, encodeProtobuf } from '@perf/metrics';
import type { Attributes, ExponentialHistogramDataPoint, ExportMetricsRequest, Metric, NumberDataPoint, ResourceMetrics } from '@perf/metrics';
import { prng } from './lib/interleave.js';
import { loadavg } from 'node:os';
import { machine, table } from './lib/report.js';

const QUICK = process.env.PERF_BENCH_QUICK === '1';
const NODES = 50;
const ROUTES = 20;
const STATUS = [200, 404, 500];

// ---- the export ------------------------------------------------------------------------------------------

let rnd = prng(20261125);
const T0 = 1_764_000_000_000_000_000;

/** A latency-shaped exponential histogram point with about `buckets` populated positive buckets (scale 6). */
function expPoint(attributes: Attributes, buckets: number): ExponentialHistogramDataPoint {
  const n = Math.max(8, Math.round(buckets * (0.85 + 0.3 * rnd())));
  const counts = new Float64Array(n);
  let count = 0;
  for (let i = 0; i < n; i++) {
    // a log-normal bump: large counts near the median, single digits in the tails (cumulative over minutes)
    const z = (i - n * 0.35) / (n * 0.15);
    const c = Math.round(5000 * Math.exp(-0.5 * z * z) * (0.5 + rnd())) + (rnd() < 0.3 ? 1 : 0);
    counts[i] = c;
    count += c;
  }
  const zeroCount = rnd() < 0.1 ? 1 : 0;
  return {
    attributes, startTimeUnixNano: T0, timeUnixNano: T0 + 60e9, flags: 0,
    count: count + zeroCount, sum: count * 0.012, min: 0.0002, max: 1.7, scale: 6, zeroCount, zeroThreshold: 0,
    positive: { offset: -850 + Math.floor(rnd() * 20), bucketCounts: counts }, negative: { offset: 0, bucketCounts: new Float64Array(0) },
  };
}

function gauge(name: string, unit: string, value: number, isInt = false, attributes: Attributes = {}): Metric {
  const p: NumberDataPoint = { attributes, startTimeUnixNano: 0, timeUnixNano: T0 + 60e9, flags: 0, value, isInt };
  return { name, description: '', unit, type: 'gauge', points: [p] };
}

function counter(name: string, unit: string, value: number, monotonic: boolean): Metric {
  const p: NumberDataPoint = { attributes: {}, startTimeUnixNano: T0, timeUnixNano: T0 + 60e9, flags: 0, value, isInt: true };
  return { name, description: '', unit, type: 'sum', temporality: 'cumulative', monotonic, points: [p] };
}

function node(i: number, buckets: number): ResourceMetrics {
  const latency: ExponentialHistogramDataPoint[] = [];
  for (let r = 0; r < ROUTES; r++) {
    for (const status of STATUS) {
      latency.push(expPoint({ 'http.request.method': r % 4 === 0 ? 'POST' : 'GET', 'http.route': `/api/v1/resource${r}/:id`, 'http.response.status_code': status }, buckets));
    }
  }
  const metrics: Metric[] = [
    { name: 'http.server.request.duration', description: 'Duration of HTTP server requests.', unit: 's', type: 'exponentialHistogram', temporality: 'cumulative', points: latency },
    { name: 'nodejs.eventloop.delay', description: '', unit: 's', type: 'exponentialHistogram', temporality: 'cumulative', points: [expPoint({}, buckets)] },
    {
      name: 'v8js.gc.duration', description: '', unit: 's', type: 'exponentialHistogram', temporality: 'cumulative',
      points: [expPoint({ 'v8js.gc.type': 'minor' }, buckets), expPoint({ 'v8js.gc.type': 'major' }, buckets)],
    },
    counter('http.server.active_requests', '{request}', Math.floor(rnd() * 50), false),
    gauge('nodejs.eventloop.utilization', '1', rnd()),
    gauge('v8js.memory.heap.used', 'By', Math.floor(rnd() * 2 ** 30), true),
    gauge('v8js.memory.heap.limit', 'By', 4345298944, true),
    gauge('process.cpu.utilization', '1', rnd()),
    gauge('process.memory.usage', 'By', Math.floor(rnd() * 2 ** 31), true),
    gauge('nodejs.active_handles', '{handle}', Math.floor(rnd() * 200), true),
    gauge('process.open_file_descriptor.count', '{fd}', Math.floor(rnd() * 500), true),
    gauge('process.open_file_descriptor.limit', '{fd}', 1048576, true),
    counter('system.network.listen.overflows', '{connection}', Math.floor(rnd() * 3), true),
    counter('system.network.listen.drops', '{connection}', Math.floor(rnd() * 3), true),
  ];
  return {
    resource: {
      attributes: {
        'service.name': 'checkout', 'service.instance.id': `7f3c9a1e-${String(i).padStart(4, '0')}-4c1e-9d1b-5a8e2f6c0b3d`, 'host.name': `web-${i}`,
        'process.pid': 1000 + i, 'telemetry.sdk.language': 'nodejs', 'telemetry.sdk.name': 'opentelemetry', 'telemetry.sdk.version': '2.12.0',
      },
      droppedAttributesCount: 0,
    },
    schemaUrl: '',
    scopeMetrics: [{ scope: { name: '@perf/agent', version: '0.1.0', attributes: {}, droppedAttributesCount: 0 }, schemaUrl: '', metrics }],
  };
}

/** The same export for the same size every time (the generator is re-seeded). */
function fleet(buckets: number): ExportMetricsRequest {
  rnd = prng(buckets);
  return { resourceMetrics: Array.from({ length: NODES }, (_, i) => node(i, buckets)) };
}

/**
 * The encoded export and the bucket total to check decoders against. The model is dropped before
 * measuring: a large live heap makes every garbage collection during the measurement slower.
 */
function encoded<T>(buckets: number, encode: (r: ExportMetricsRequest) => T): { body: T; total: number } {
  const req = fleet(buckets);
  return { body: encode(req), total: bucketTotal(req) };
}

const HISTOGRAM_POINTS = NODES * (ROUTES * STATUS.length + 3);

// ---- protobufjs with the opentelemetry-proto schema (metrics/v1, common/v1, resource/v1, collector) -------

const PROTO = `
syntax = "proto3";
package opentelemetry.proto;
message AnyValue { oneof value { string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4;
  ArrayValue array_value = 5; KeyValueList kvlist_value = 6; bytes bytes_value = 7; } }
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue { string key = 1; AnyValue value = 2; }
message InstrumentationScope { string name = 1; string version = 2; repeated KeyValue attributes = 3; uint32 dropped_attributes_count = 4; }
message Resource { repeated KeyValue attributes = 1; uint32 dropped_attributes_count = 2; }
message ExportMetricsServiceRequest { repeated ResourceMetrics resource_metrics = 1; }
message ResourceMetrics { Resource resource = 1; repeated ScopeMetrics scope_metrics = 2; string schema_url = 3; }
message ScopeMetrics { InstrumentationScope scope = 1; repeated Metric metrics = 2; string schema_url = 3; }
message Metric { string name = 1; string description = 2; string unit = 3;
  oneof data { Gauge gauge = 5; Sum sum = 7; Histogram histogram = 9; ExponentialHistogram exponential_histogram = 10; Summary summary = 11; }
  repeated KeyValue metadata = 12; }
message Gauge { repeated NumberDataPoint data_points = 1; }
message Sum { repeated NumberDataPoint data_points = 1; AggregationTemporality aggregation_temporality = 2; bool is_monotonic = 3; }
message Histogram { repeated HistogramDataPoint data_points = 1; AggregationTemporality aggregation_temporality = 2; }
message ExponentialHistogram { repeated ExponentialHistogramDataPoint data_points = 1; AggregationTemporality aggregation_temporality = 2; }
message Summary { repeated SummaryDataPoint data_points = 1; }
enum AggregationTemporality { AGGREGATION_TEMPORALITY_UNSPECIFIED = 0; AGGREGATION_TEMPORALITY_DELTA = 1; AGGREGATION_TEMPORALITY_CUMULATIVE = 2; }
message NumberDataPoint { repeated KeyValue attributes = 7; fixed64 start_time_unix_nano = 2; fixed64 time_unix_nano = 3;
  oneof value { double as_double = 4; sfixed64 as_int = 6; } repeated Exemplar exemplars = 5; uint32 flags = 8; }
message HistogramDataPoint { repeated KeyValue attributes = 9; fixed64 start_time_unix_nano = 2; fixed64 time_unix_nano = 3; fixed64 count = 4;
  optional double sum = 5; repeated fixed64 bucket_counts = 6; repeated double explicit_bounds = 7; repeated Exemplar exemplars = 8;
  uint32 flags = 10; optional double min = 11; optional double max = 12; }
message ExponentialHistogramDataPoint { repeated KeyValue attributes = 1; fixed64 start_time_unix_nano = 2; fixed64 time_unix_nano = 3;
  fixed64 count = 4; optional double sum = 5; sint32 scale = 6; fixed64 zero_count = 7; Buckets positive = 8; Buckets negative = 9;
  uint32 flags = 10; repeated Exemplar exemplars = 11; optional double min = 12; optional double max = 13; double zero_threshold = 14;
  message Buckets { sint32 offset = 1; repeated uint64 bucket_counts = 2; } }
message SummaryDataPoint { repeated KeyValue attributes = 7; fixed64 start_time_unix_nano = 2; fixed64 time_unix_nano = 3; fixed64 count = 4;
  double sum = 5; repeated ValueAtQuantile quantile_values = 6; uint32 flags = 8;
  message ValueAtQuantile { double quantile = 1; double value = 2; } }
message Exemplar { repeated KeyValue filtered_attributes = 7; fixed64 time_unix_nano = 2; oneof value { double as_double = 3; sfixed64 as_int = 6; }
  bytes span_id = 4; bytes trace_id = 5; }
`;
const RequestType = protobuf.parse(PROTO).root.lookupType('opentelemetry.proto.ExportMetricsServiceRequest');

// ---- run ------------------------------------------------------------------------------------------------------

interface Contender {
  name: string;
  run: (iterations: number) => void;
}

/**
 * CPU nanoseconds per iteration, the best of interleaved rounds. CPU time (process.cpuUsage: this thread
 * plus V8's GC helper threads, so GC work is included) and the best round rather than wall time and the
 * median: these machines are shared, and under load wall time also counts the time other processes held
 * the cores, which no decoder can do anything about. Both contenders are measured the same way.
 */
function interleavedCpu(contenders: Contender[], iterations: number, rounds: number): Map<string, number> {
  for (const c of contenders) c.run(iterations); // warm up the JIT on the real sizes
  const samples = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  for (let r = 0; r < rounds; r++) {
    for (const c of contenders) {
      const t0 = process.cpuUsage();
      c.run(iterations);
      const t = process.cpuUsage(t0);
      samples.get(c.name)!.push(((t.user + t.system) * 1000) / iterations);
    }
  }
  return new Map([...samples].map(([name, xs]) => [name, Math.min(...xs)]));
}

/** Sum of all positive bucket counts, to check that both decoders read the same numbers. */
function bucketTotal(req: ExportMetricsRequest): number {
  let t = 0;
  for (const rm of req.resourceMetrics) for (const sm of rm.scopeMetrics) for (const m of sm.metrics) {
    if (m.type === 'exponentialHistogram') for (const p of m.points) for (const c of p.positive.bucketCounts) t += c;
  }
  return t;
}

function protobufjsBucketTotal(msg: any): number {
  let t = 0;
  for (const rm of msg.resourceMetrics) for (const sm of rm.scopeMetrics) for (const m of sm.metrics) {
    if (m.exponentialHistogram) for (const p of m.exponentialHistogram.dataPoints) for (const c of p.positive.bucketCounts) t += Number(c);
  }
  return t;
}

console.log(`# bench:decode — ${machine()}, load average ${loadavg()[0].toFixed(1)} at start`);
console.log(`One export of ${NODES} nodes: ${HISTOGRAM_POINTS} exponential histogram points (${NODES} × (${ROUTES} routes × ${STATUS.length} status classes + 3 runtime)) and ${NODES * 11} number points.\n`);

const rows: (string | number)[][] = [];
const jsonRows: (string | number)[][] = [];
const sizes = QUICK ? [90] : [90, 370, 1500];
const pps = (ns: number) => Math.round(HISTOGRAM_POINTS / (ns / 1e9));
const mbs = (bytes: number, ns: number) => (bytes / 1e6 / (ns / 1e9)).toFixed(0);
for (const buckets of sizes) {
  const { body: pb, total } = encoded(buckets, encodeProtobuf);
  if (bucketTotal(decodeProtobuf(pb)) !== total || protobufjsBucketTotal(RequestType.decode(pb)) !== total) {
    throw new Error('decoders disagree on the bucket counts');
  }
  const iterations = QUICK ? 2 : Math.max(2, Math.round(1.2e7 / pb.length));
  const rounds = QUICK ? 3 : 9;
  const t = interleavedCpu(
    [
      { name: 'perf decodeProtobuf', run: (n) => { for (let i = 0; i < n; i++) decodeProtobuf(pb); } },
      { name: 'protobufjs decode', run: (n) => { for (let i = 0; i < n; i++) RequestType.decode(pb); } },
    ],
    iterations,
    rounds,
  );
  const ours = t.get('perf decodeProtobuf')!;
  const theirs = t.get('protobufjs decode')!;
  rows.push([`~${buckets}`, (pb.length / 1e6).toFixed(2), pps(ours), mbs(pb.length, ours), pps(theirs), mbs(pb.length, theirs), (theirs / ours).toFixed(1)]);

  const { body: json } = encoded(buckets, encodeJson);
  if (bucketTotal(decodeJson(json)) !== total) throw new Error('decodeJson disagrees on the bucket counts');
  const j = interleavedCpu(
    [
      { name: 'perf decodeJson', run: (n) => { for (let i = 0; i < n; i++) decodeJson(json); } },
      { name: 'JSON.parse', run: (n) => { for (let i = 0; i < n; i++) JSON.parse(json); } },
    ],
    Math.max(1, Math.round(iterations / 4)),
    rounds,
  );
  const dj = j.get('perf decodeJson')!;
  const jp = j.get('JSON.parse')!;
  jsonRows.push([`~${buckets}`, (json.length / 1e6).toFixed(2), pps(dj), mbs(json.length, dj), pps(jp), mbs(json.length, jp), (dj / jp).toFixed(2)]);
}

console.log('## protobuf (application/x-protobuf)\n');
table(['buckets/histogram', 'MB/export', 'perf hist points/s', 'perf MB/s', 'protobufjs hist points/s', 'protobufjs MB/s', '× protobufjs'], rows);
console.log('\n## JSON (application/json)\n');
table(['buckets/histogram', 'MB/export', 'perf hist points/s', 'perf MB/s', 'JSON.parse alone: hist points/s', 'JSON.parse MB/s', 'perf time ÷ JSON.parse time'], jsonRows);
console.log(`\nload average ${loadavg()[0].toFixed(1)} at the end`);
