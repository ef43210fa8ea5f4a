import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatAgo, formatBytes, formatCount, formatDuration, formatExact, formatPercent, formatRps, formatSpan, MISSING, niceCeil, sig3 } from '../../lib/format.js';

test('sig3 keeps three significant digits without trailing zeros', () => {
  assert.equal(sig3(12.345), '12.3');
  assert.equal(sig3(1.2), '1.2');
  assert.equal(sig3(0.00123456), '0.00123');
  assert.equal(sig3(999.7), '1000');
  assert.equal(sig3(-4.5), '-4.5');
  assert.equal(sig3(0), '0');
});

test('durations pick µs, ms, s or min by magnitude', () => {
  assert.equal(formatDuration(0.00085), '850 µs');
  assert.equal(formatDuration(0.0000123), '12.3 µs');
  assert.equal(formatDuration(0.0123), '12.3 ms');
  assert.equal(formatDuration(0.25), '250 ms');
  assert.equal(formatDuration(1.25), '1.25 s');
  assert.equal(formatDuration(300), '5 min');
  assert.equal(formatDuration(0), '0 ms');
});

test('durations at unit boundaries promote instead of showing 1000', () => {
  assert.equal(formatDuration(0.0009996), '1 ms');
  assert.equal(formatDuration(0.9996), '1 s');
});

test('missing values render as an em dash', () => {
  for (const v of [null, undefined, NaN, Infinity, -Infinity]) {
    assert.equal(formatDuration(v), MISSING);
    assert.equal(formatRps(v), MISSING);
    assert.equal(formatPercent(v), MISSING);
    assert.equal(formatBytes(v), MISSING);
  }
});

test('rates use k and M', () => {
  assert.equal(formatCount(950), '950');
  assert.equal(formatCount(0.5), '0.5');
  assert.equal(formatCount(12_345), '12.3k');
  assert.equal(formatCount(999_600), '1M');
  assert.equal(formatRps(1_234_567), '1.23M req/s');
});

test('percentages keep tiny non-zero ratios visible', () => {
  assert.equal(formatPercent(0), '0 %');
  assert.equal(formatPercent(0.000001), '<0.01 %');
  assert.equal(formatPercent(0.0052), '0.52 %');
  assert.equal(formatPercent(0.125), '12.5 %');
  assert.equal(formatPercent(1), '100 %');
});

test('bytes use binary units', () => {
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(1536), '1.5 KiB');
  assert.equal(formatBytes(64 * 2 ** 20), '64 MiB');
  assert.equal(formatBytes(1.5 * 2 ** 30), '1.5 GiB');
});

test('exact values keep full precision beside the readable form', () => {
  assert.equal(formatExact('seconds', 0.012345678), '12.3 ms (0.012345678 s)');
  assert.equal(formatExact('bytes', 1536), '1.5 KiB (1,536 B)');
  assert.match(formatExact('rps', 12_345.678), /^12\.3k req\/s \(12,345\.678 req\/s\)$/);
});

test('relative times', () => {
  assert.equal(formatAgo(500), 'now');
  assert.equal(formatAgo(12_000), '12 s ago');
  assert.equal(formatAgo(5 * 60_000), '5 min ago');
  assert.equal(formatAgo(3 * 3600_000), '3 h ago');
  assert.equal(formatAgo(3 * 86_400_000), '3 d ago');
});

test('axis tops round up to nice numbers', () => {
  assert.equal(niceCeil(2860), 4000);
  assert.equal(niceCeil(0.0087), 0.01);
  assert.equal(niceCeil(0.2), 0.2);
  assert.equal(niceCeil(230), 250);
  assert.equal(niceCeil(0), 1);
});

test('spans for step and window labels', () => {
  assert.equal(formatSpan(2), '2 s');
  assert.equal(formatSpan(90), '90 s');
  assert.equal(formatSpan(300), '5 min');
  assert.equal(formatSpan(1800), '30 min');
  assert.equal(formatSpan(3600), '1 h');
  assert.equal(formatSpan(5400), '90 min');
  assert.equal(formatSpan(21_600), '6 h');
  assert.equal(formatSpan(604_800), '7 d');
  assert.equal(formatSpan(Number.NaN), MISSING);
});
