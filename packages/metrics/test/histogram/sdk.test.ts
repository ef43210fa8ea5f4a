// Bucket layout against the real OpenTelemetry SDK (@opentelemetry/sdk-metrics 2.12): the same values
// recorded in both must give the same scale, offsets and counts, so histograms from any OpenTelemetry
// SDK or Collector merge with ours bucket for bucket.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { AggregationType, MeterProvider, MetricReader, DataPointType } from '@opentelemetry/sdk-metrics';
import type { ExponentialHistogram as SdkPointValue } from '@opentelemetry/sdk-metrics';
import { ExponentialHistogram } from '../../src/histogram/ExponentialHistogram.js';
import { forAllSeeds, int, values } from './util.js';

// The SDK's accumulation class (not re-exported by its index) records negatives too, which the Histogram
// instrument refuses; the package has no exports map, so the deep path is public in practice.
const require = createRequire(import.meta.url);
const { ExponentialHistogramAccumulation } = require('@opentelemetry/sdk-metrics/build/src/aggregator/ExponentialHistogram.js') as {
  ExponentialHistogramAccumulation: new (
    startTime: [number, number],
    maxSize?: number,
  ) => {
    record(v: number): void;
    merge(o: unknown): void;
    toPointValue(): SdkPointValue & { count: number };
  };
};

class TestReader extends MetricReader {
  protected async onShutdown(): Promise<void> {}
  protected async onForceFlush(): Promise<void> {}
}

function ours(vals: number[], maxSize: number): ExponentialHistogram {
  const h = new ExponentialHistogram({ maxSize, maxScale: 20 }); // the SDK starts at 20
  for (const v of vals) h.record(v);
  return h;
}

function sdkPoint(p: SdkPointValue & { count: number }) {
  return {
    scale: p.count === p.zeroCount ? 0 : p.scale,
    zeroCount: p.zeroCount,
    count: p.count,
    positive: { offset: p.positive.bucketCounts.length ? p.positive.offset : 0, bucketCounts: Float64Array.from(p.positive.bucketCounts) },
    negative: { offset: p.negative.bucketCounts.length ? p.negative.offset : 0, bucketCounts: Float64Array.from(p.negative.bucketCounts) },
  };
}

function ourPoint(h: ExponentialHistogram) {
  const d = h.toData();
  // The SDK reports scale 0 for a histogram of only zeros; ours keeps its starting scale.
  return { scale: d.count === d.zeroCount ? 0 : d.scale, zeroCount: d.zeroCount, count: d.count, positive: d.positive, negative: d.negative };
}

test('a MeterProvider with the exponential-histogram view buckets latencies exactly as we do', async () => {
  const reader = new TestReader();
  const provider = new MeterProvider({
    readers: [reader],
    views: [{ instrumentName: 'lat', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM, options: { maxSize: 160 } } }],
  });
  const hist = provider.getMeter('t').createHistogram('lat');
  const ourHist = new ExponentialHistogram({ maxSize: 160, maxScale: 20 });
  forAllSeeds(1, 7001, (rnd) => {
    for (let i = 0; i < 20_000; i++) {
      const v = 1e-4 * 10 ** (4 * rnd());
      hist.record(v);
      ourHist.record(v);
    }
  });
  const { resourceMetrics } = await reader.collect();
  const metric = resourceMetrics.scopeMetrics[0].metrics[0];
  assert.equal(metric.dataPointType, DataPointType.EXPONENTIAL_HISTOGRAM);
  const p = metric.dataPoints[0].value as SdkPointValue;
  assert.equal(p.scale, 3, 'OpenTelemetry default-size histograms of four decades land at scale 3');
  assert.deepEqual(ourPoint(ourHist), sdkPoint(p as SdkPointValue & { count: number }));
  assert.equal(ourHist.min, p.min);
  assert.equal(ourHist.max, p.max);
  await provider.shutdown();
});

test('same scale, offsets and counts as the SDK accumulation on mixed data (negatives, zeros, boundaries)', () => {
  forAllSeeds(300, 1000, (rnd) => {
    const maxSize = [2, 3, 4, 8, 20, 160, 1024][int(rnd, 0, 6)];
    const vals = values(rnd, int(rnd, 1, 2000));
    const sdk = new ExponentialHistogramAccumulation([0, 0], maxSize);
    for (const v of vals) sdk.record(v);
    assert.deepEqual(ourPoint(ours(vals, maxSize)), sdkPoint(sdk.toPointValue()), `maxSize ${maxSize}`);
  });
});

test('merging agrees with the SDK merge', () => {
  forAllSeeds(100, 2000, (rnd) => {
    const maxSize = [4, 20, 160][int(rnd, 0, 2)];
    const a = values(rnd, int(rnd, 1, 500));
    const b = values(rnd, int(rnd, 1, 500));
    const sa = new ExponentialHistogramAccumulation([0, 0], maxSize);
    const sb = new ExponentialHistogramAccumulation([0, 0], maxSize);
    for (const v of a) sa.record(v);
    for (const v of b) sb.record(v);
    sa.merge(sb);
    assert.deepEqual(ourPoint(ours(a, maxSize).merge(ours(b, maxSize))), sdkPoint(sa.toPointValue()));
  });
});
