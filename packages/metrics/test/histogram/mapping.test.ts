// Bucket indices: pinned OpenTelemetry examples, and every bucket boundary at scales −10..20 (± a few
// ulps and ± the table's decision band) against the SDK's own mapping classes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { ExponentialHistogram } from '../../src/histogram/ExponentialHistogram.js';
import { lowerBoundary, mapToIndex } from '../../src/histogram/mapping.js';
import { nextDown, nextUp, prng } from './util.js';

const require = createRequire(import.meta.url);
const { getMapping } = require('@opentelemetry/sdk-metrics/build/src/aggregator/exponential-histogram/mapping/getMapping.js') as {
  getMapping: (scale: number) => { mapToIndex(v: number): number };
};

/** The index our histogram files `value` under when it stays at `scale`. */
const byScale = new Map<number, ExponentialHistogram>();
function recordedIndex(value: number, scale: number): number {
  let h = byScale.get(scale);
  if (!h) byScale.set(scale, (h = new ExponentialHistogram({ maxScale: scale })));
  h.reset();
  h.record(value);
  assert.equal(h.scale, scale);
  const d = h.toData();
  return value > 0 ? d.positive.offset : d.negative.offset;
}

test('pinned OpenTelemetry indices (bucket i holds (base^i, base^(i+1)])', () => {
  // scale 0: base 2. 1 is in (0.5, 1] → −1; 2 → 0; 3 → 1; 4 → 1; 4.000…1 → 2.
  assert.equal(recordedIndex(1, 0), -1);
  assert.equal(recordedIndex(2, 0), 0);
  assert.equal(recordedIndex(3, 0), 1);
  assert.equal(recordedIndex(4, 0), 1);
  assert.equal(recordedIndex(nextUp(4), 0), 2);
  assert.equal(recordedIndex(0.5, 0), -2);
  // scale −1: base 4. 4 → (1, 4] → 0; 5 → 1; 16 → 1; 1 → −1.
  assert.equal(recordedIndex(4, -1), 0);
  assert.equal(recordedIndex(5, -1), 1);
  assert.equal(recordedIndex(16, -1), 1);
  assert.equal(recordedIndex(1, -1), -1);
  // scale 3: base 2^(1/8). 1 → −1, 2 → 7, 2^(1/8)·1.0001 → 1, 1.5 → floor(8·log2 1.5) = 4.
  assert.equal(recordedIndex(1, 3), -1);
  assert.equal(recordedIndex(2, 3), 7);
  assert.equal(recordedIndex(2 ** (1 / 8) * 1.0001, 3), 1);
  assert.equal(recordedIndex(1.5, 3), 4);
  // scale 20: 2 → 2^20 − 1; 1.5 → floor(2^20·log2 1.5) = 613377.
  assert.equal(recordedIndex(2, 20), 2 ** 20 - 1);
  assert.equal(recordedIndex(1.5, 20), 613377);
  // negatives mirror positives in their own range
  assert.equal(recordedIndex(-3, 0), 1);
  // the double range's ends
  assert.equal(recordedIndex(Number.MAX_VALUE, 0), 1023);
  assert.equal(recordedIndex(Number.MIN_VALUE, 0), -1023);
  assert.equal(recordedIndex(2 ** -1022, 3), -1022 * 8 - 1);
});

test('every bucket boundary maps as in the SDK, at every scale (table, logarithm and exponent paths)', () => {
  const rnd = prng(99);
  let checked = 0;
  for (let scale = -10; scale <= 20; scale++) {
    const sdk = getMapping(scale);
    const probes: number[] = [];
    // at scales ≤ 12 every boundary of one octave and its neighbours; above, a random sample of them
    const per = 2 ** Math.max(scale, 0);
    const indices: number[] = [];
    if (scale <= 12) for (let i = -1; i <= per + 1; i++) indices.push(i);
    else for (let k = 0; k < 2000; k++) indices.push(Math.floor((rnd() * 2 - 1) * per));
    for (const i of indices) {
      const b = lowerBoundary(i, scale);
      let up = b;
      let down = b;
      probes.push(b);
      for (let k = 0; k < 3; k++) probes.push((up = nextUp(up)), (down = nextDown(down)));
      // the edges of the table's decision band, 2^32 significand units (relative 2^−20) away
      probes.push(b * (1 + 2 ** -20), b * (1 - 2 ** -20), b * (1 + 2 ** -19), b * (1 - 2 ** -19));
    }
    for (const v of probes) {
      // Far-away octaves too: the logarithm's rounding grows with |log2 v|.
      for (const f of [1, 2 ** -1000, 2 ** 1000]) {
        const x = v * f;
        if (!(x > 0) || x === Infinity) continue;
        const want = sdk.mapToIndex(x);
        assert.equal(mapToIndex(x, scale), want, `mapToIndex(${x}, ${scale})`);
        assert.equal(recordedIndex(x, scale), want, `record(${x}) at scale ${scale}`);
        checked++;
      }
    }
  }
  assert.ok(checked > 50_000, `checked ${checked}`);
});

test('random doubles over the whole range map as in the SDK', () => {
  const rnd = prng(7);
  for (let k = 0; k < 50_000; k++) {
    const scale = Math.floor(rnd() * 31) - 10;
    const x = 2 ** (rnd() * 2000 - 1000) * (1 + rnd());
    assert.equal(recordedIndex(x, scale), getMapping(scale).mapToIndex(x), `record(${x}) at scale ${scale}`);
  }
});
