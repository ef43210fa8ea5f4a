import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_SERIES_PER_ROUTE, RouteTable } from '../../src/recording/RouteTable.js';

test('at most maxRoutes distinct routes; the rest go to "other"; URLs are cached per raw string', () => {
  const table = new RouteTable({ maxRoutes: 5, maxScale: 6, maxSize: 1024 });
  for (let i = 0; i < 5; i++) assert.equal(table.byTemplate(`/r${i}`).name, `/r${i}`);
  assert.equal(table.byTemplate('/r5'), table.other);
  assert.equal(table.byUrl('/r2?x=1').name, '/r2');
  assert.equal(table.byUrl('/new/thing'), table.other);
  assert.equal(table.routes.size, 5);
});

test('series per method and status; the last-hit cache never mixes them up', () => {
  const table = new RouteTable({ maxRoutes: 10, maxScale: 6, maxSize: 1024 });
  const r = table.byTemplate('/a');
  const plan: [number, number][] = [[0, 200], [0, 200], [1, 200], [0, 500], [0, 200], [1, 201]];
  for (const [m, s] of plan) r.record(m, s, 0.01);
  const counts = new Map([...r.series.values()].map((s) => [`${s.method}:${s.status}`, s.histogram.count]));
  assert.deepEqual(counts, new Map([['0:200', 3], ['1:200', 1], ['0:500', 1], ['1:201', 1]]));
});

test('404s on raw URLs: their own routes while the table has room; past half the cap, only routes that exist, the rest "unmatched"', () => {
  const table = new RouteTable({ maxRoutes: 10, maxScale: 6, maxSize: 1024 });
  assert.equal(table.byUrlNotFound('/favicon.ico').name, '/favicon.ico', 'a calm table keeps 404 paths apart');
  for (let i = 0; i < 4; i++) table.byUrl(`/real${i}`);
  assert.equal(table.routes.size, 5);
  // a scanner: none of its paths gets a route, and the real ones stay reachable
  for (let i = 0; i < 1000; i++) assert.equal(table.byUrlNotFound(`/scan${i}/wp-login.php`).name, 'unmatched');
  assert.equal(table.byUrlNotFound('/real2').name, '/real2', 'a known route answering 404 keeps its route');
  assert.equal(table.byUrlNotFound('/favicon.ico').name, '/favicon.ico');
  assert.equal(table.routes.size, 6, 'five routes and unmatched');
  assert.equal(table.byUrl('/brand/new').name, '/brand/new', 'a new real route still gets its own');
});

test('"unmatched" is there even once the cap is full (404s went to "other" with the real routes past the cap)', () => {
  const table = new RouteTable({ maxRoutes: 3, maxScale: 6, maxSize: 1024 });
  for (let i = 0; i < 3; i++) table.byTemplate(`/r${i}`);
  assert.equal(table.byTemplate('/r3'), table.other);
  assert.equal(table.byTemplate('unmatched').name, 'unmatched');
  assert.equal(table.byUrlNotFound('/scan/1').name, 'unmatched');
  assert.equal(table.routes.size, 4, 'the cap, plus unmatched');
});

test('a route answering every status a client asks for holds at most its cap of series; the rest are counted under their class, none lost', () => {
  const table = new RouteTable({ maxRoutes: 10, maxScale: 6, maxSize: 1024 });
  const r = table.byTemplate('/echo-status');
  let sent = 0;
  for (let method = 0; method < 6; method++) {
    for (let status = 200; status < 1000; status++) {
      r.record(method, status, 0.001);
      sent++;
    }
  }
  assert.ok(r.series.size <= MAX_SERIES_PER_ROUTE + 9 * 16, `${r.series.size} series`);
  let counted = 0;
  for (const s of r.series.values()) counted += s.histogram.count;
  assert.equal(counted, sent);
  // the first statuses keep their own series; later ones are under their class
  assert.equal(r.series.get(201 * 16 + 0)?.histogram.count, 1);
  assert.equal(r.series.get(437 * 16 + 5), undefined);
  assert.equal(r.series.get(900 * 16 + 5)?.histogram.count, 100);
});
