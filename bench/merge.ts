// bench:merge — ns per merge of two histograms of 160 and of 2,000 buckets, at the same scale and at
// different scales, vs DDSketch.merge with as many bins; the baseline is a bare loop adding two
// Float64Arrays of that length, measured in the same run.
//   pnpm bench:merge
import { ExponentialHistogram } from '@perf/metrics';
import { DDSketch } from '@datadog/sketches-js';
import { interleaved, prng } from './lib/interleave.js';
import { machine, table } from './lib/report.js';

const rnd = prng(7);

/** A histogram with `buckets` non-empty buckets at `scale` starting at `offset` (random counts 1..100). */
function histogram(buckets: number, scale: number, offset: number): ExponentialHistogram {
  const bucketCounts = Float64Array.from({ length: buckets }, () => 1 + Math.floor(rnd() * 100));
  const count = bucketCounts.reduce((s, n) => s + n, 0);
  return ExponentialHistogram.fromData(
    { count, sum: count, min: 2 ** (offset / 2 ** scale), max: 2 ** ((offset + buckets) / 2 ** scale), scale, zeroCount: 0, zeroThreshold: 0, positive: { offset, bucketCounts }, negative: { offset: 0, bucketCounts: new Float64Array(0) } },
    { maxSize: 2048 },
  );
}

/** A DDSketch (1% accuracy) with `bins` non-empty bins. */
function sketch(bins: number): DDSketch {
  const s = new DDSketch({ relativeAccuracy: 0.01 });
  const gamma = 1.02 / 0.98;
  for (let i = 0; i < bins; i++) s.accept(gamma ** (i - bins / 2) * 1.001, 1 + Math.floor(rnd() * 100));
  return s;
}

/** The floor for merging n buckets: add two arrays of n doubles. */
function addArrays(x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < x.length; i++) x[i] += y[i];
}

const rows: (string | number)[][] = [];
for (const n of [160, 2000]) {
  // Scales chosen so n buckets cover a realistic range: 160 at scale 3 = 20 octaves; 2,000 at scale 6 = 31.
  const scale = n === 160 ? 3 : 6;
  const offset = -(n >> 1);
  const a = histogram(n, scale, offset);
  const b = histogram(n, scale, offset);
  // the finer one covers the same values at scale + 1: n buckets over half the range, merged in shifted
  const finer = histogram(n, scale + 1, 2 * offset + (n >> 1));
  const accSame = a.clone();
  const accCoarse = a.clone();
  const ddA = sketch(n);
  const ddB = sketch(n);
  const x = new Float64Array(n);
  const y = new Float64Array(n).fill(1);
  const res = interleaved(
    [
      {
        name: 'baseline',
        run: (k) => {
          for (let r = 0; r < k; r++) addArrays(x, y);
        },
      },
      {
        name: 'same',
        run: (k) => {
          for (let r = 0; r < k; r++) accSame.merge(b);
        },
      },
      {
        name: 'finer into coarser',
        run: (k) => {
          for (let r = 0; r < k; r++) accCoarse.merge(finer);
        },
      },
      {
        name: 'coarser into a fresh clone of the finer (clone + downscale + merge)',
        run: (k) => {
          for (let r = 0; r < k; r++) finer.clone().merge(a);
        },
      },
      {
        name: 'clone alone',
        run: (k) => {
          for (let r = 0; r < k; r++) finer.clone();
        },
      },
      {
        name: 'dd',
        run: (k) => {
          for (let r = 0; r < k; r++) ddA.merge(ddB);
        },
      },
    ],
    // ~1 ms rounds, 200 of them, 10th percentile: see interleaved().
    n === 160 ? 2_000 : 200,
    200,
    0.1,
  );
  const base = res.get('baseline')!;
  const same = res.get('same')!;
  const dd = res.get('dd')!;
  rows.push([`${n}`, `Float64Array add of ${n} (baseline)`, base.toFixed(0), '1.00', (base / same).toFixed(2)]);
  rows.push([`${n}`, `perf merge, same scale (${scale})`, same.toFixed(0), (same / base).toFixed(2), '1.00']);
  rows.push([`${n}`, `perf merge, scale ${scale + 1} into ${scale}`, res.get('finer into coarser')!.toFixed(0), (res.get('finer into coarser')! / base).toFixed(2), (res.get('finer into coarser')! / same).toFixed(2)]);
  rows.push([
    `${n}`,
    `perf clone of scale ${scale + 1} + merge of scale ${scale} (downscales the clone first)`,
    res.get('coarser into a fresh clone of the finer (clone + downscale + merge)')!.toFixed(0),
    (res.get('coarser into a fresh clone of the finer (clone + downscale + merge)')! / base).toFixed(2),
    (res.get('coarser into a fresh clone of the finer (clone + downscale + merge)')! / same).toFixed(2),
  ]);
  rows.push([`${n}`, `perf clone alone (for the row above)`, res.get('clone alone')!.toFixed(0), (res.get('clone alone')! / base).toFixed(2), (res.get('clone alone')! / same).toFixed(2)]);
  rows.push([`${n}`, `DDSketch.merge (1% accuracy, ${n} bins)`, dd.toFixed(0), (dd / base).toFixed(2), (dd / same).toFixed(2)]);
}

console.log(`# bench:merge — ${machine()}\n`);
table(['buckets', 'operation', 'ns/merge', '× baseline', '× perf same-scale'], rows);
