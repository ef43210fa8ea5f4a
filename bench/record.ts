// bench:record — ns per recorded value: perf's ExponentialHistogram.record vs hdr-histogram-js and
// DDSketch, on the same pre-generated latency-like values (log-normal, 100 µs..1 s), with a bare
// `Float64Array[idx]++` loop as the baseline measured in the same run.
//   pnpm bench:record
import { ExponentialHistogram } from '@perf/metrics';
import * as hdr from 'hdr-histogram-js';
import { DDSketch } from '@datadog/sketches-js';
import { interleaved, latencies } from './lib/interleave.js';
import { machine, table } from './lib/report.js';

const N = 1 << 20;
const ROUND = 1 << 16;
const values = latencies(N, 42);
// hdr-histogram-js records integers: the same values in microseconds (converted before timing).
const micros = new Float64Array(N);
for (let i = 0; i < N; i++) micros[i] = Math.round(values[i] * 1e6);

const bare = new Float64Array(1024);
const ours = new ExponentialHistogram();
// Values within 0.1% of each other in a histogram allowed up to scale 20 (OpenTelemetry's start) stay at
// scale 19, where record() takes the logarithm instead of the lookup table. Measured in a second run, after
// the first: once both paths are hot, record() is compiled for both.
const narrowValues = new Float64Array(N);
for (let i = 0; i < N; i++) narrowValues[i] = 0.005 * (1 + (values[i] % 1e-3));
const narrow = new ExponentialHistogram({ maxScale: 20 });
// build() defaults: the pure-JS Int32 histogram (useWebAssembly: false); 3 significant digits.
const hdrHist = hdr.build({ numberOfSignificantValueDigits: 3, lowestDiscernibleValue: 1, highestTrackableValue: 10_000_000 });
const dd = new DDSketch({ relativeAccuracy: 0.01 });

// Each contender walks through all N values, ROUND at a time (its own cursor), so every round sees new data.
function walk(fn: (from: number, to: number) => void): (n: number) => void {
  let at = 0;
  return (n) => {
    for (let done = 0; done < n; done += ROUND) {
      fn(at, at + Math.min(ROUND, n - done));
      at = (at + ROUND) & (N - 1);
    }
  };
}

const results = interleaved(
  [
    {
      name: 'baseline: Float64Array[idx]++',
      run: walk((from, to) => {
        for (let i = from; i < to; i++) bare[(values[i] * 1e4) & 1023]++;
      }),
    },
    {
      name: 'perf ExponentialHistogram.record',
      run: walk((from, to) => {
        for (let i = from; i < to; i++) ours.record(values[i]);
      }),
    },
    {
      name: 'hdr-histogram-js recordValue (JS, 3 digits)',
      run: walk((from, to) => {
        for (let i = from; i < to; i++) hdrHist.recordValue(micros[i]);
      }),
    },
    {
      name: 'DDSketch accept (1% accuracy)',
      run: walk((from, to) => {
        for (let i = from; i < to; i++) dd.accept(values[i]);
      }),
    },
  ],
  // 200 rounds of 2^16 values (~1 ms) per contender, 10th percentile: see interleaved().
  ROUND,
  200,
  0.1,
);

const mixed = interleaved(
  [
    {
      name: 'baseline: Float64Array[idx]++',
      run: walk((from, to) => {
        for (let i = from; i < to; i++) bare[(values[i] * 1e4) & 1023]++;
      }),
    },
    {
      name: 'perf ExponentialHistogram.record',
      run: walk((from, to) => {
        for (let i = from; i < to; i++) ours.record(values[i]);
      }),
    },
    {
      name: 'perf record at scale 19 (logarithm path)',
      run: walk((from, to) => {
        for (let i = from; i < to; i++) narrow.record(narrowValues[i]);
      }),
    },
  ],
  ROUND,
  200,
  0.1,
);

console.log(`# bench:record — ${machine()}`);
console.log(`${N} log-normal values (median 5 ms, σ 1.2, clamped to 100 µs..1 s); ours ended at scale ${ours.scale} with ${ours.bucketCount} buckets (relative error ${(ours.relativeError * 100).toFixed(2)}%)\n`);
const base = results.get('baseline: Float64Array[idx]++')!;
const mine = results.get('perf ExponentialHistogram.record')!;
table(
  ['contender', 'ns/value', '× baseline', '× perf'],
  [...results].map(([name, ns]) => [name, ns.toFixed(2), (ns / base).toFixed(2), (ns / mine).toFixed(2)]),
);
console.log(`\nSecond run: a histogram above scale 10 in the same process (scale ${narrow.scale})\n`);
const base2 = mixed.get('baseline: Float64Array[idx]++')!;
const mine2 = mixed.get('perf ExponentialHistogram.record')!;
table(
  ['contender', 'ns/value', '× baseline', '× perf'],
  [...mixed].map(([name, ns]) => [name === 'perf ExponentialHistogram.record' ? `${name} (both paths hot)` : name, ns.toFixed(2), (ns / base2).toFixed(2), (ns / mine2).toFixed(2)]),
);
