// The ingest hot path's shortcuts keep exact totals: the per-position series cache (series reordered,
// attributes changed at a position), idle cumulative series, and store histograms that grow with headroom.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExponentialHistogram, type ExportMetricsRequest, type Attributes } from '@perf/metrics';
import { histogramExport } from '../lib/otlp.js';
import { FleetStore } from '../../../server/store/FleetStore.js';
import { Applier } from '../../../server/ingest/apply.js';
import { IngestStats } from '../../../server/ingest/stats.js';
import { StoreHistogram } from '../../../server/store/histogram.js';
import { SparseDelta } from '../../../server/store/delta.js';
import { Random } from '../../../simulator/random.js';

const T0 = Math.floor(Date.now() / 1000) * 1000 - 120_000;

function attrs(route: string, status: number): Attributes {
  return { 'http.request.method': 'GET', 'http.route': route, 'http.response.status_code': status };
}

function request(series: { attributes: Attributes; h: ExponentialHistogram }[], startNs: number, timeMs: number): ExportMetricsRequest {
  return histogramExport('n1', series, startNs, timeMs);
}

/** An applier for which every series started after it did (first points count in full). */
function freshApplier(store: FleetStore): Applier {
  const applier = new Applier(store, new IngestStats());
  (applier as unknown as { startNs: number }).startNs = 0;
  return applier;
}

/** Requests and errors per route of service `svc`, over every second of the finest tier. */
function routeTotals(store: FleetStore): Map<string, { requests: number; errors: number }> {
  const out = new Map<string, { requests: number; errors: number }>();
  for (const r of store.services.get('svc')!.routes.values()) {
    let requests = 0;
    let errors = 0;
    for (const s of r.tiers[0].slots.values()) {
      requests += s.requests;
      errors += s.errors;
    }
    out.set(r.route, { requests, errors });
  }
  return out;
}

test('series that move between positions, change attributes or sit idle still count exactly once', () => {
  const rnd = new Random(5);
  const store = new FleetStore({}, T0);
  const applier = freshApplier(store);
  const startNs = T0 * 1e6;
  const series = ['/a', '/b', '/c', '/d'].flatMap((route) => [200, 500].map((status) => ({ attributes: attrs(route, status), h: new ExponentialHistogram({ maxScale: 6 }), route, status })));
  const want = new Map<string, { requests: number; errors: number }>();
  for (let s = 0; s < 30; s++) {
    for (const x of series) {
      // some series stay idle for whole seconds (the unchanged-point shortcut)
      if (rnd.next() < 0.3) continue;
      const n = 1 + Math.floor(rnd.next() * 20);
      for (let i = 0; i < n; i++) x.h.record(0.001 * Math.exp(rnd.normal()));
      const w = want.get(x.route) ?? { requests: 0, errors: 0 };
      w.requests += n;
      if (x.status >= 500) w.errors += n;
      want.set(x.route, w);
    }
    // the export order changes now and then (the per-position cache must notice)
    const order = s % 7 === 3 ? [...series].reverse() : s % 11 === 5 ? [...series.slice(3), ...series.slice(0, 3)] : series;
    const now = T0 + s * 1000 + 500;
    applier.apply(request(order, startNs, now), now);
    if (s % 5 === 0) applier.apply(request(order, startNs, now), now); // a retried export changes nothing
    store.tick(now + 1000);
  }
  assert.deepEqual(
    [...routeTotals(store)].sort(),
    [...want].sort(),
  );
});

test('a position whose attributes change is a different series, not a continuation', () => {
  const store = new FleetStore({}, T0);
  const applier = freshApplier(store);
  const startNs = T0 * 1e6;
  const a = new ExponentialHistogram({ maxScale: 6 });
  const b = new ExponentialHistogram({ maxScale: 6 });
  for (let i = 0; i < 100; i++) a.record(0.01);
  for (let i = 0; i < 7; i++) b.record(0.02);
  applier.apply(request([{ attributes: attrs('/a', 200), h: a }], startNs, T0 + 500), T0 + 500);
  // same position, other route: /b's first point counts its 7; /a is not touched
  applier.apply(request([{ attributes: attrs('/b', 200), h: b }], startNs, T0 + 1500), T0 + 1500);
  // an extra attribute at the same position is yet another series
  const c = new ExponentialHistogram({ maxScale: 6 });
  for (let i = 0; i < 3; i++) c.record(0.03);
  applier.apply(request([{ attributes: { ...attrs('/b', 200), 'url.scheme': 'https' }, h: c }], startNs, T0 + 2500), T0 + 2500);
  const totals = routeTotals(store);
  assert.equal(totals.get('/a')!.requests, 100);
  assert.equal(totals.get('/b')!.requests, 10);
  assert.equal(store.services.get('svc')!.seriesKeys.size, 3);
});

test('histograms grown with headroom in both directions hold exactly the merged counts, trimmed when sealed', () => {
  const rnd = new Random(11);
  for (let trial = 0; trial < 20; trial++) {
    const h = new StoreHistogram(6, 2048, 0);
    const want = new Map<number, number>();
    const d = new SparseDelta();
    let center = 100 + Math.floor(rnd.next() * 200);
    for (let k = 0; k < 40; k++) {
      // deltas drifting downwards and upwards: growth at both ends
      center += Math.floor((rnd.next() - 0.5) * 30);
      d.reset(6);
      const lo = center - Math.floor(rnd.next() * 20);
      for (let i = lo; i < lo + 10; i += 1 + Math.floor(rnd.next() * 3)) {
        const n = 1 + Math.floor(rnd.next() * 5);
        d.push(i, n);
        d.count += n;
        want.set(i, (want.get(i) ?? 0) + n);
      }
      d.boundFromBuckets();
      h.mergeSparse(d);
    }
    assert.equal(h.scale, 6);
    for (const [i, n] of want) assert.equal(h.counts[i - h.offset], n, `trial ${trial} bucket ${i}`);
    h.seal();
    assert.notEqual(h.counts[0], 0);
    assert.notEqual(h.counts[h.length - 1], 0);
    assert.equal(h.counts.length, h.length);
    let sum = 0;
    for (let i = 0; i < h.length; i++) sum += h.counts[i];
    assert.equal(sum, [...want.values()].reduce((a, b) => a + b, 0));
  }
});

test('headroom never costs resolution: data spanning exactly maxBuckets keeps the scale', () => {
  const h = new StoreHistogram(6, 64, 0);
  const d = new SparseDelta();
  // grow downwards one bucket at a time (each growth leaves headroom below)
  for (let i = 163; i >= 100; i--) {
    d.reset(6);
    d.push(i, 1);
    d.count = 1;
    d.boundFromBuckets();
    h.mergeSparse(d);
  }
  assert.equal(h.scale, 6, 'the 64 used buckets fit in maxBuckets = 64');
  assert.equal(h.count, 64);
  // one more bucket than fits halves the resolution, as before
  d.reset(6);
  d.push(99, 1);
  d.count = 1;
  d.boundFromBuckets();
  h.mergeSparse(d);
  assert.equal(h.scale, 5);
  let sum = 0;
  for (let i = 0; i < h.length; i++) sum += h.counts[i];
  assert.equal(sum, 65);
});
