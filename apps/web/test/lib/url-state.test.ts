import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_VIEW, hrefFor, parseViewState, RANGES, serializeViewState, statsWindowSeconds } from '../../lib/url-state.js';

test('defaults when the URL says nothing or nonsense', () => {
  assert.deepEqual(parseViewState(new URLSearchParams('')), DEFAULT_VIEW);
  assert.deepEqual(parseViewState(new URLSearchParams('range=2y&paused=maybe&service=')), DEFAULT_VIEW);
});

test('round-trips every range, with and without service and pause', () => {
  for (const range of RANGES) {
    for (const service of [null, 'checkout', 'a b/c&d']) {
      for (const paused of [false, true]) {
        const view = { service, range, paused };
        const back = parseViewState(new URLSearchParams(serializeViewState(view)));
        // pause only means something for live ranges and is dropped otherwise
        assert.deepEqual(back, { ...view, paused: paused && range.startsWith('live') });
      }
    }
  }
});

test('defaults are left out of links, other params kept', () => {
  assert.equal(serializeViewState(DEFAULT_VIEW), '');
  assert.equal(serializeViewState({ ...DEFAULT_VIEW, range: '1h' }, new URLSearchParams('route=%2Fx')), 'route=%2Fx&range=1h');
  assert.equal(hrefFor('/nodes', { service: 'api', range: '6h', paused: false }), '/nodes?service=api&range=6h');
  assert.equal(hrefFor('/nodes', DEFAULT_VIEW), '/nodes');
});

test('parses a Next.js searchParams record too', () => {
  assert.deepEqual(parseViewState({ service: ['x', 'y'], range: '24h', paused: '1' }), { service: 'x', range: '24h', paused: true });
});

test('headline window: 10 s live, the whole range otherwise', () => {
  assert.equal(statsWindowSeconds('live-5m'), 10);
  assert.equal(statsWindowSeconds('7d'), 604_800);
});
