import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OtlpDecodeError } from '../../src/errors.js';
import type { ExponentialHistogramMetric, GaugeMetric, HistogramMetric, Metric, SumMetric } from '../../src/otlp/model.js';
import { decodeProtobuf, encodeProtobuf } from '../../src/otlp/protobuf.js';
import { Gen } from './generate.js';
import { bytes, dfield, double, ffield, fixed64, lfield, requestWithMetric, sfield, tag, varint, vfield, zigzag } from './wire.js';

const SEED = Number(process.env.PERF_PROPERTY_SEED ?? 20261125);

function onlyMetric(b: Uint8Array): Metric {
  return decodeProtobuf(b).resourceMetrics[0].scopeMetrics[0].metrics[0];
}

function rejects(b: Uint8Array | number[], code: string, messagePart?: RegExp, limits?: Parameters<typeof decodeProtobuf>[1]): OtlpDecodeError {
  const input = b instanceof Uint8Array ? b : Uint8Array.from(b);
  try {
    decodeProtobuf(input, limits);
  } catch (e) {
    assert.ok(e instanceof OtlpDecodeError, `expected OtlpDecodeError, got ${e}`);
    assert.equal(e.code, code, e.message);
    if (messagePart) assert.match(e.message, messagePart);
    return e;
  }
  assert.fail(`expected ${code}, but the input decoded`);
}

describe('protobuf codec: decode(encode(x)) equals x', () => {
  it(`for 400 generated requests of every point type and attribute kind (seed ${SEED})`, () => {
    const g = new Gen(SEED);
    for (let i = 0; i < 400; i++) {
      const req = g.request();
      const wire = encodeProtobuf(req);
      assert.deepStrictEqual(decodeProtobuf(wire), req, `case ${i} (seed ${SEED})`);
      // and a decoded request encodes to the same bytes again (the encoding is deterministic)
      assert.deepStrictEqual(encodeProtobuf(decodeProtobuf(wire)), wire);
    }
  });

  it('keeps -0, NaN, ±Infinity and subnormal doubles, and 64-bit counts above 2^32', () => {
    const m: ExponentialHistogramMetric = {
      name: 'x', description: '', unit: '', type: 'exponentialHistogram', temporality: 'cumulative',
      points: [{
        attributes: { neg: -0, nan: NaN, inf: -Infinity, tiny: 5e-324, big: -(2 ** 53 - 1) },
        startTimeUnixNano: 1_700_000_000_123_456_768, timeUnixNano: 2 ** 63, flags: 1,
        count: 2 ** 53, sum: -0, min: NaN, max: Infinity, scale: -10, zeroCount: 2 ** 33, zeroThreshold: -0,
        positive: { offset: -(2 ** 31), bucketCounts: new Float64Array([0, 2 ** 40, 1]) }, negative: { offset: 2 ** 31 - 1, bucketCounts: new Float64Array([2 ** 52]) },
      }],
    };
    const req = { resourceMetrics: [{ resource: { attributes: {}, droppedAttributesCount: 0 }, schemaUrl: '', scopeMetrics: [{ scope: { name: '', version: '', attributes: {}, droppedAttributesCount: 0 }, schemaUrl: '', metrics: [m] }] }] };
    assert.deepStrictEqual(decodeProtobuf(encodeProtobuf(req)), req);
  });
});

describe('protobuf decoder: the wire format as opentelemetry-proto defines it', () => {
  it('reads NumberDataPoint as_double (4, double) and as_int (6, sfixed64, negative), flags, timestamps', () => {
    const point = lfield(1, ffield(2, 1n), ffield(3, 1_700_000_000_000_000_000n), [...tag(6, 1), ...fixed64(-42n)], vfield(8, 1));
    const m = onlyMetric(requestWithMetric(sfield(1, 'g'), lfield(5, point), lfield(5, lfield(1, dfield(4, 0.25)))));
    assert.equal(m.type, 'gauge');
    const [p, q] = (m as GaugeMetric).points;
    assert.deepEqual([p.value, p.isInt, p.flags, p.startTimeUnixNano, p.timeUnixNano], [-42, true, 1, 1, 1_700_000_000_000_000_000]);
    assert.deepEqual([q.value, q.isInt], [0.25, false]);
  });

  it('reads packed and unpacked histogram buckets (fixed64 counts, double bounds) and optional sum/min/max presence', () => {
    const packedCounts = lfield(6, fixed64(1), fixed64(2 ** 33));
    const packedBounds = lfield(7, double(0.1), double(1));
    const unpacked = [...ffield(6, 7n), ...dfield(7, 5)];
    const withSum0 = lfield(1, ffield(4, 3n), dfield(5, 0), packedCounts, unpacked, packedBounds, dfield(12, 9));
    const noSum = lfield(1, ffield(4, 0n));
    const m = onlyMetric(requestWithMetric(sfield(1, 'h'), lfield(9, withSum0, noSum, vfield(2, 2)))) as HistogramMetric;
    assert.equal(m.temporality, 'cumulative');
    const [a, b] = m.points;
    assert.deepEqual(a.bucketCounts, new Float64Array([1, 2 ** 33, 7]));
    assert.deepEqual(a.explicitBounds, [5, 0.1, 1]);
    assert.equal(a.sum, 0);
    assert.equal(a.min, undefined);
    assert.equal(a.max, 9);
    assert.deepEqual([b.sum, b.min, b.max], [undefined, undefined, undefined]);
  });

  it('reads exponential points: zigzag scale and offsets, packed and unpacked uint64 varint counts, zero_threshold', () => {
    const positive = lfield(8, vfield(1, zigzag(-3)), lfield(2, varint(1), varint(300), varint(2 ** 35)), vfield(2, 4));
    const negative = lfield(9, vfield(1, zigzag(5)), lfield(2, varint(9)));
    const point = lfield(1, ffield(4, 314n), vfield(6, zigzag(-4)), ffield(7, 2n), positive, negative, dfield(12, -1), dfield(13, 2), dfield(14, 1e-9));
    const m = onlyMetric(requestWithMetric(lfield(10, point, vfield(2, 1)))) as ExponentialHistogramMetric;
    assert.equal(m.temporality, 'delta');
    const p = m.points[0];
    assert.deepEqual(
      [p.count, p.scale, p.zeroCount, p.zeroThreshold, p.min, p.max, p.sum],
      [314, -4, 2, 1e-9, -1, 2, undefined],
    );
    assert.deepEqual(p.positive, { offset: -3, bucketCounts: new Float64Array([1, 300, 2 ** 35, 4]) });
    assert.deepEqual(p.negative, { offset: 5, bucketCounts: new Float64Array([9]) });
  });

  it('reads summaries and every AnyValue kind (bytes as base64, empty as null, nested arrays and lists)', () => {
    const kv = (k: string, ...value: number[][]) => lfield(7, sfield(1, k), lfield(2, ...value));
    const point = lfield(
      1,
      kv('s', sfield(1, 'ü')),
      kv('b', vfield(2, 1)),
      kv('i', vfield(3, -5)),
      kv('d', dfield(4, 1.5)),
      kv('a', lfield(5, lfield(1, vfield(3, 1)), lfield(1))),
      kv('l', lfield(6, lfield(1, sfield(1, 'x'), lfield(2, vfield(2, 0))))),
      kv('y', lfield(7, [1, 2, 3, 250])),
      lfield(7, sfield(1, 'empty')),
      ffield(4, 10n), dfield(5, 2.5), lfield(6, dfield(1, 0.5), dfield(2, 7)), lfield(6, dfield(2, 1)),
    );
    const m = onlyMetric(requestWithMetric(lfield(11, point)));
    assert.equal(m.type, 'summary');
    if (m.type !== 'summary') return;
    const p = m.points[0];
    assert.deepStrictEqual(p.attributes, { s: 'ü', b: true, i: -5, d: 1.5, a: [1, null], l: { x: false }, y: 'AQID+g==', empty: null });
    assert.deepStrictEqual(p.quantileValues, [{ quantile: 0.5, value: 7 }, { quantile: 0, value: 1 }]);
    assert.deepEqual([p.count, p.sum], [10, 2.5]);
  });

  it('reads resource, scope, schema URLs and a Sum with monotonic and temporality', () => {
    const req = bytes(
      lfield(1,
        lfield(1, lfield(1, sfield(1, 'service.name'), lfield(2, sfield(1, 'api'))), vfield(2, 2)),
        lfield(2,
          lfield(1, sfield(1, 'scope'), sfield(2, '1.0'), lfield(3, sfield(1, 'k'), lfield(2, sfield(1, 'v'))), vfield(4, 1)),
          lfield(2, sfield(1, 'c'), sfield(2, 'desc'), sfield(3, '{request}'), lfield(7, vfield(2, 2), vfield(3, 1), lfield(1, [...tag(6, 1), ...fixed64(5)]))),
          sfield(3, 'scope-schema')),
        sfield(3, 'resource-schema')),
    );
    const rm = decodeProtobuf(req).resourceMetrics[0];
    assert.deepStrictEqual(rm.resource, { attributes: { 'service.name': 'api' }, droppedAttributesCount: 2 });
    assert.equal(rm.schemaUrl, 'resource-schema');
    const sm = rm.scopeMetrics[0];
    assert.deepStrictEqual(sm.scope, { name: 'scope', version: '1.0', attributes: { k: 'v' }, droppedAttributesCount: 1 });
    assert.equal(sm.schemaUrl, 'scope-schema');
    const m = sm.metrics[0] as SumMetric;
    assert.deepEqual([m.name, m.description, m.unit, m.type, m.temporality, m.monotonic, m.points[0].value], ['c', 'desc', '{request}', 'sum', 'cumulative', true, 5]);
  });

  it('skips unknown fields of every wire type, exemplars and Metric.metadata (forward compatibility)', () => {
    const unknown = [...vfield(99, 2n ** 63n), ...ffield(98, 1n), ...lfield(97, [1, 2, 3]), ...tag(96, 5), 1, 2, 3, 4];
    const exemplar = lfield(5, ffield(2, 1n), dfield(3, 1));
    const point = lfield(1, unknown, exemplar, dfield(4, 3), unknown);
    const req = bytes(
      lfield(1, unknown, lfield(1000, [1]), lfield(2, unknown, lfield(2, sfield(1, 'g'), unknown, lfield(12, sfield(1, 'meta')), lfield(5, point, unknown)))),
      unknown,
    );
    const m = onlyMetric(req) as GaugeMetric;
    assert.equal(m.points[0].value, 3);
  });

  it('follows protobuf merge rules: a repeated oneof member merges, a different one replaces', () => {
    const p = (v: number) => lfield(1, dfield(4, v));
    const merged = onlyMetric(requestWithMetric(lfield(5, p(1)), lfield(5, p(2)))) as GaugeMetric;
    assert.deepEqual(merged.points.map((x) => x.value), [1, 2]);
    const replaced = onlyMetric(requestWithMetric(lfield(5, p(1)), lfield(7, p(2), vfield(2, 1))));
    assert.equal(replaced.type, 'sum');
    assert.equal(onlyMetric(requestWithMetric(sfield(1, 'nothing'))).type, 'empty');
  });

  it('reads unknown AggregationTemporality values as unspecified', () => {
    const m = onlyMetric(requestWithMetric(lfield(9, vfield(2, 7)))) as HistogramMetric;
    assert.equal(m.temporality, 'unspecified');
  });
});

describe('protobuf decoder: bad input gives OtlpDecodeError with a stable code and where it happened', () => {
  it('PERF_OTLP_TRUNCATED for a value cut short', () => {
    rejects([0x0a, 0x02, 0x28, 0x80], 'PERF_OTLP_TRUNCATED', /ResourceMetrics/);
    rejects(requestWithMetric(lfield(5, lfield(1, [...tag(4, 1), 1, 2, 3]))), 'PERF_OTLP_TRUNCATED', /NumberDataPoint\.as_double/);
    rejects(requestWithMetric(lfield(10, lfield(1, lfield(8, lfield(2, [0x81, 0x80]))))), 'PERF_OTLP_TRUNCATED', /Buckets\.bucket_counts/);
    rejects(requestWithMetric(lfield(9, lfield(1, lfield(6, [1, 2, 3, 4, 5, 6, 7, 8, 9])))), 'PERF_OTLP_TRUNCATED');
    rejects([0x10], 'PERF_OTLP_TRUNCATED');
  });

  it('PERF_OTLP_LENGTH_OUT_OF_RANGE for a length past its enclosing message, with the byte offset', () => {
    const e = rejects(bytes(lfield(1, [...tag(2, 2), ...varint(50), 1, 2])), 'PERF_OTLP_LENGTH_OUT_OF_RANGE', /ResourceMetrics\.scope_metrics/);
    assert.equal(e.at, 4);
    rejects([0x0a, ...varint(2 ** 40)], 'PERF_OTLP_LENGTH_OUT_OF_RANGE');
  });

  it('PERF_OTLP_VARINT_TOO_LONG for 11-byte varints and 10-byte ones that overflow 64 bits', () => {
    rejects([0x10, ...Array(10).fill(0xff), 0x01], 'PERF_OTLP_VARINT_TOO_LONG');
    rejects([0x10, ...Array(9).fill(0xff), 0x7f], 'PERF_OTLP_VARINT_TOO_LONG');
    rejects([0x0a, ...Array(10).fill(0x80), 0x00], 'PERF_OTLP_VARINT_TOO_LONG');
  });

  it('PERF_OTLP_BAD_WIRE_TYPE for groups, wire types 6/7 and a known field with the wrong wire type', () => {
    rejects([...tag(5, 3)], 'PERF_OTLP_BAD_WIRE_TYPE');
    rejects([...tag(5, 7)], 'PERF_OTLP_BAD_WIRE_TYPE');
    rejects(requestWithMetric(vfield(1, 5)), 'PERF_OTLP_BAD_WIRE_TYPE', /Metric\.name/);
    rejects(requestWithMetric(lfield(10, lfield(1, vfield(4, 1)))), 'PERF_OTLP_BAD_WIRE_TYPE', /ExponentialHistogramDataPoint\.count/);
  });

  it('PERF_OTLP_BAD_FIELD for field number 0', () => {
    rejects([0x02, 0x00], 'PERF_OTLP_BAD_FIELD');
  });

  it('PERF_OTLP_BAD_UTF8 for invalid UTF-8 in a string (short and long)', () => {
    rejects(requestWithMetric(lfield(1, [0x61, 0xff])), 'PERF_OTLP_BAD_UTF8', /Metric\.name/);
    rejects(requestWithMetric(lfield(1, [...Array(40).fill(0x61), 0xc3])), 'PERF_OTLP_BAD_UTF8');
    rejects(requestWithMetric(lfield(1, [0xed, 0xa0, 0x80])), 'PERF_OTLP_BAD_UTF8'); // a lone surrogate
  });

  it('PERF_OTLP_TOO_MANY_POINTS, _TOO_MANY_BUCKETS, _TOO_MANY_METRICS and _NESTING_TOO_DEEP from DecodeLimits', () => {
    const point = lfield(1, dfield(4, 1));
    rejects(requestWithMetric(lfield(5, point, point, point)), 'PERF_OTLP_TOO_MANY_POINTS', undefined, { maxPoints: 2 });
    const buckets = lfield(8, lfield(2, Array(10).fill(1)));
    rejects(requestWithMetric(lfield(10, lfield(1, buckets))), 'PERF_OTLP_TOO_MANY_BUCKETS', undefined, { maxBuckets: 9 });
    const both = lfield(1, lfield(8, lfield(2, Array(5).fill(1))), lfield(9, lfield(2, Array(5).fill(1))));
    rejects(requestWithMetric(lfield(10, both)), 'PERF_OTLP_TOO_MANY_BUCKETS', undefined, { maxBuckets: 9 });
    assert.doesNotThrow(() => decodeProtobuf(requestWithMetric(lfield(10, both)), { maxBuckets: 10 }));
    rejects(bytes(lfield(1, lfield(2, ...Array(5).fill(lfield(2))))), 'PERF_OTLP_TOO_MANY_METRICS', undefined, { maxMetrics: 4 });
    let nested = lfield(1, sfield(1, 'leaf'));
    for (let i = 0; i < 20; i++) nested = lfield(1, lfield(5, nested));
    const deep = bytes(lfield(1, lfield(1, lfield(1, sfield(1, 'k'), lfield(2, lfield(5, nested))))));
    rejects(deep, 'PERF_OTLP_NESTING_TOO_DEEP', /AnyValue\.array_value/);
    assert.doesNotThrow(() => decodeProtobuf(deep, { maxDepth: 30 }));
  });

  it('names the path from the request to the failing field in the message', () => {
    const e = rejects(requestWithMetric(lfield(10, lfield(1, lfield(8, vfield(1, 1), lfield(2, [0xff]))))), 'PERF_OTLP_TRUNCATED');
    assert.match(
      e.message,
      /ExportMetricsServiceRequest\.resource_metrics > ResourceMetrics\.scope_metrics > ScopeMetrics\.metrics > Metric\.exponential_histogram > ExponentialHistogram\.data_points > ExponentialHistogramDataPoint\.positive > Buckets\.bucket_counts/,
    );
  });

  it('rejects a non-Uint8Array with OtlpDecodeError', () => {
    assert.throws(() => decodeProtobuf('abc' as unknown as Uint8Array), OtlpDecodeError);
  });

  it('accepts a Buffer and a subarray that does not start at offset 0', () => {
    const g = new Gen(7);
    const req = g.request();
    const wire = encodeProtobuf(req);
    const padded = new Uint8Array(wire.length + 13);
    padded.set(wire, 5);
    assert.deepStrictEqual(decodeProtobuf(padded.subarray(5, 5 + wire.length)), req);
    assert.deepStrictEqual(decodeProtobuf(Buffer.from(wire)), req);
  });
});
