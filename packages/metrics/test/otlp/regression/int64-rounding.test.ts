// Found by the fuzz test (PERF_FUZZ_SEED=1, case 274684): an sfixed64 of 2^63 - 53 rounds to the double
// 2^63, which re-encoded as int64 wrapped to -2^63. 64-bit values that round to 2^63 (signed) or 2^64
// (unsigned) now read as the largest double below, so decoded values always encode back to themselves.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { decodeJson } from '../../../src/otlp/json.js';
import type { ExponentialHistogramMetric, GaugeMetric } from '../../../src/otlp/model.js';
import { decodeProtobuf, encodeProtobuf } from '../../../src/otlp/protobuf.js';
import { dfield, ffield, lfield, requestWithMetric, tag, fixed64, varint } from '../wire.js';

it('int64 and uint64 values at the top of their range decode to values that round-trip', () => {
  const wire = requestWithMetric(
    lfield(5, lfield(1, [...tag(6, 1), ...fixed64(2n ** 63n - 53n)], lfield(7, lfield(1, []), lfield(2, [...tag(3, 0), ...varint(2n ** 63n - 1n)])))),
  );
  const req = decodeProtobuf(wire);
  const p = (req.resourceMetrics[0].scopeMetrics[0].metrics[0] as GaugeMetric).points[0];
  assert.equal(p.value, 2 ** 63 - 1024);
  assert.equal(p.attributes[''], 2 ** 63 - 1024);
  assert.deepStrictEqual(decodeProtobuf(encodeProtobuf(req)), req);

  const exp = requestWithMetric(lfield(10, lfield(1, ffield(4, 2n ** 64n - 1n), lfield(8, lfield(2, varint(2n ** 64n - 1n))), dfield(5, 1))));
  const e = decodeProtobuf(exp);
  const q = (e.resourceMetrics[0].scopeMetrics[0].metrics[0] as ExponentialHistogramMetric).points[0];
  assert.equal(q.count, 2 ** 64 - 2048);
  assert.deepEqual(q.positive.bucketCounts, new Float64Array([2 ** 64 - 2048]));
  assert.deepStrictEqual(decodeProtobuf(encodeProtobuf(e)), e);

  const json = decodeJson(JSON.stringify({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ gauge: { dataPoints: [{ asInt: '9223372036854775807', timeUnixNano: '18446744073709551615' }] } }] }] }] }));
  const j = (json.resourceMetrics[0].scopeMetrics[0].metrics[0] as GaugeMetric).points[0];
  assert.deepEqual([j.value, j.timeUnixNano], [2 ** 63 - 1024, 2 ** 64 - 2048]);
});
