// A monotonic sum point into its increment: the rules the request histograms follow (series.ts), on one counter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NumberDataPoint } from '@perf/metrics';
import { newState } from '../../../server/ingest/series.js';
import { sumDelta } from '../../../server/ingest/sum-delta.js';

const point = (start: number, time: number, value: number): NumberDataPoint => ({ attributes: {}, startTimeUnixNano: start, timeUnixNano: time, flags: 0, value, isInt: true });

test('cumulative: first point whole when fresh, else a baseline; then differences; repeats and older points add nothing', () => {
  const out = { value: -1 };
  const st = newState();
  assert.equal(sumDelta(point(1, 10, 5), 'cumulative', st, true, true, out), 'delta');
  assert.equal(out.value, 5);
  assert.equal(sumDelta(point(1, 20, 8), 'cumulative', st, false, true, out), 'delta');
  assert.equal(out.value, 3);
  assert.equal(sumDelta(point(1, 20, 8), 'cumulative', st, false, true, out), 'duplicate');
  assert.equal(sumDelta(point(1, 15, 7), 'cumulative', st, false, true, out), 'outOfOrder');
  assert.equal(sumDelta(point(1, 30, 8), 'cumulative', st, false, true, out), 'delta');
  assert.equal(out.value, 0, 'an idle series adds 0');

  const old = newState();
  assert.equal(sumDelta(point(1, 10, 1000), 'cumulative', old, true, false, out), 'baseline', 'counted before this receiver started');
  assert.equal(sumDelta(point(1, 20, 1004), 'cumulative', old, false, false, out), 'delta');
  assert.equal(out.value, 4);
});

test('cumulative: a later start or a smaller total is a restart, whose total counts whole', () => {
  const out = { value: -1 };
  const st = newState();
  sumDelta(point(1, 10, 50), 'cumulative', st, true, true, out);
  assert.equal(sumDelta(point(25, 30, 2), 'cumulative', st, false, true, out), 'reset');
  assert.equal(out.value, 2);
  assert.equal(sumDelta(point(25, 40, 6), 'cumulative', st, false, true, out), 'delta');
  assert.equal(out.value, 4);
  // same start, smaller total (a sender that does not move its start time)
  assert.equal(sumDelta(point(25, 50, 1), 'cumulative', st, false, true, out), 'reset');
  assert.equal(out.value, 1);
});

test('cumulative: a series marked for rebase only re-establishes its total', () => {
  const out = { value: -1 };
  const st = newState();
  sumDelta(point(1, 10, 5), 'cumulative', st, true, true, out);
  st.rebase = true;
  assert.equal(sumDelta(point(1, 20, 900), 'cumulative', st, false, true, out), 'baseline');
  assert.equal(sumDelta(point(1, 30, 903), 'cumulative', st, false, true, out), 'delta');
  assert.equal(out.value, 3);
});

test('delta: each point as sent, a repeated one dropped', () => {
  const out = { value: -1 };
  const st = newState();
  assert.equal(sumDelta(point(0, 10, 3), 'delta', st, true, false, out), 'delta', 'delta points are never a baseline');
  assert.equal(out.value, 3);
  assert.equal(sumDelta(point(10, 20, 2), 'delta', st, false, false, out), 'delta');
  assert.equal(out.value, 2);
  assert.equal(sumDelta(point(10, 20, 2), 'delta', st, false, false, out), 'duplicate');
});
