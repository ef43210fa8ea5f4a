// A full route table exported by a real agent in this process (its real export thread, a real OTLP sink): the
// snapshot's histograms are copied in slices with the app's loop running between them, and every request still
// arrives, exactly once, per series.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as api from '../../src/api.js';
import { SLICE_DOUBLES } from '../../src/export/snapshot.js';
import { OtlpSink, requestCounts, type Received } from '../helpers/sink.js';

const sink = new OtlpSink();
let agent: api.Agent;
/** per pack() call of the agent's packer: whether it finished the snapshot, and how long it held the loop */
const calls: { done: boolean; ms: number }[] = [];

before(async () => {
  await sink.start();
  agent = api.start({ endpoint: sink.endpoint, exportIntervalMillis: 300, maxRoutes: 1000, serviceName: 'sliced' })!;
  const packer = (agent as unknown as { packer: { pack(doubles?: number): boolean } }).packer;
  const pack = packer.pack.bind(packer);
  packer.pack = (doubles) => {
    const t0 = performance.now();
    const done = pack(doubles);
    if (doubles === SLICE_DOUBLES) calls.push({ done, ms: performance.now() - t0 });
    return done;
  };
});
after(async () => {
  await api.shutdown();
  await sink.stop();
});

/** The requests record() made, as exported (the agent also measures the sink's own server in this process). */
function apiRequests(r: Received): number {
  let n = 0;
  for (const [key, count] of requestCounts(r)) if (key.startsWith('GET /api/')) n += count;
  return n;
}

/** 200 routes × 3 statuses, latencies over four decades: ≈ 600 buckets a series, ≈ 360,000 doubles a snapshot */
function record(perSeries: number): Map<string, number> {
  const want = new Map<string, number>();
  let seed = 3;
  const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  for (let r = 0; r < 200; r++) {
    const route = agent.routes.byTemplate(`/api/r${r}/:id`);
    for (const status of [200, 404, 500]) {
      for (let i = 0; i < perSeries; i++) route.record(0, status, 0.0001 * 10 ** (4 * rnd()));
      want.set(`GET /api/r${r}/:id ${status}`, perSeries);
    }
  }
  return want;
}

test('a full route table: exported in slices, the loop free between them, every request counted once', async () => {
  record(400);
  // the loop keeps turning while a snapshot is packed: count the turns of a 0 ms timer chain meanwhile
  let turns = 0;
  let ticking = true;
  const tick = () => {
    turns++;
    if (ticking) setTimeout(tick, 0);
  };
  tick();
  const first = await sink.waitFor((r) => apiRequests(r) === 600 * 400, 10_000, true);
  // more requests on every series while later snapshots are packed: they arrive too, nothing twice
  const more = record(100);
  const second = await sink.waitFor((r) => r.at > first.at && apiRequests(r) === 600 * 500, 10_000);
  ticking = false;
  const counts = requestCounts(second);
  assert.equal([...counts.keys()].filter((k) => k.startsWith('GET /api/')).length, 600);
  for (const key of more.keys()) assert.equal(counts.get(key), 500, key);

  const snapshots = calls.filter((c) => c.done).length;
  const slices = calls.length;
  assert.ok(snapshots >= 2 && slices >= 4 * snapshots, `${slices} slices for ${snapshots} snapshots`);
  assert.ok(turns >= snapshots, `${turns} loop turns`);
  const sorted = calls.map((c) => c.ms).sort((a, b) => a - b);
  console.log(`sliced snapshots: ${snapshots}, ${(slices / snapshots).toFixed(1)} slices each, median slice ${sorted[sorted.length >> 1].toFixed(3)} ms, max ${sorted.at(-1)!.toFixed(3)} ms`);
});

test('flush() while a snapshot is being sliced: the flush exports everything, the sliced one is dropped', async () => {
  const calls0 = calls.length;
  // wait until a sliced snapshot is under way, then flush in the middle of it
  while (calls.length === calls0 || calls.at(-1)!.done) await new Promise((r) => setImmediate(r));
  const before = sink.received.length;
  await api.flush();
  const flushed = sink.received.slice(before).find((r) => apiRequests(r) === 600 * 500);
  assert.ok(flushed, 'the flush sent every series');
  // and exports go on after it
  await sink.waitFor((r) => r.at > flushed.at && apiRequests(r) === 600 * 500, 5_000);
});
