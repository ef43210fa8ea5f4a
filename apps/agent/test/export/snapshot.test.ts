import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MessageChannel } from 'node:worker_threads';
import { ExponentialHistogram, Metrics, type Metric } from '@perf/metrics';
import { HistogramPacker, HistogramUnpacker, SLICE_DOUBLES, type Snapshot } from '../../src/export/snapshot.js';
import { MetricBatch } from '../../src/recording/MetricBatch.js';
import { RouteTable } from '../../src/recording/RouteTable.js';

/** A route table like a busy server's: `routes` routes × 3 status codes, latencies over three decades, plus a GC histogram. */
function fixture(routes: number) {
  const table = new RouteTable({ maxRoutes: 1000, maxScale: 6, maxSize: 1024 });
  let seed = 1;
  const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  for (let r = 0; r < routes; r++) {
    const route = table.byTemplate(`/api/r${r}/:id`);
    for (const status of [200, 404, 500]) for (let i = 0; i < 300; i++) route.record(0, status, 0.0002 * Math.exp(rnd() * 7));
  }
  const gc = new ExponentialHistogram({ maxScale: 6, maxSize: 1024 });
  for (let i = 0; i < 50; i++) gc.record(0.001 * (1 + rnd()));
  return { table, gc };
}

function collect(batch: MetricBatch, { table, gc }: ReturnType<typeof fixture>): void {
  table.forEachRoute((route) => {
    for (const s of route.series.values()) batch.histogram(Metrics.httpServerRequestDuration, 's', 'd', s.histogram, { route: route.name, status: s.status, method: s.method });
  });
  batch.histogram(Metrics.gcDuration, 's', 'gc', gc, { type: 'minor' });
  batch.gauge(Metrics.heapUsed, 'By', 'heap', 123);
}

/** Sends a snapshot through a real MessagePort, as ExportWorker does (the histograms' buffer is shared, not copied). */
async function send(snapshot: Snapshot): Promise<Snapshot> {
  const { port1, port2 } = new MessageChannel();
  const received = new Promise<Snapshot>((resolve) => port2.once('message', resolve));
  port1.postMessage(snapshot);
  const out = await received;
  port1.close();
  return out;
}

function byName(metrics: Metric[]): Map<string, Metric> {
  return new Map(metrics.map((m) => [m.name, m]));
}

const points = (metrics: Metric[]) => metrics.flatMap((m) => (m.type === 'exponentialHistogram' ? m.points : []));

test('packed snapshot: through a real message port, the export thread reads back exactly the points an unpacked collection makes', async () => {
  const f = fixture(20);
  const plain = new MetricBatch(1e18, 2e18, 'otlp');
  collect(plain, f);
  const packer = new HistogramPacker();
  packer.begin();
  const batch = new MetricBatch(1e18, 2e18, 'otlp', packer);
  collect(batch, f);
  const snapshot: Snapshot = { metrics: [...batch.metrics.values()], histograms: packer.finish(1e18, 2e18) };
  assert.deepEqual(snapshot.metrics.map((m) => m.name), [Metrics.heapUsed], 'histograms are not points on the app thread');
  assert.equal(snapshot.histograms!.series.length, 61, '60 route series and the GC series, each described');

  const received = await send(snapshot);
  const got = byName(new HistogramUnpacker().receive(received.histograms!));
  const want = byName([...plain.metrics.values()]);
  assert.deepEqual(got.get(Metrics.httpServerRequestDuration), want.get(Metrics.httpServerRequestDuration));
  assert.deepEqual(got.get(Metrics.gcDuration), want.get(Metrics.gcDuration));
  assert.equal(points([got.get(Metrics.httpServerRequestDuration)!]).reduce((n, p) => n + p.count, 0), 20 * 3 * 300);
});

test('packed snapshot: each series is described once, new series when they appear, all again after a lost snapshot', async () => {
  const f = fixture(3);
  const packer = new HistogramPacker();
  const unpacker = new HistogramUnpacker();
  const take = async () => {
    packer.begin();
    collect(new MetricBatch(0, 1, 'otlp', packer), f);
    return (await send({ metrics: [], histograms: packer.finish(0, 1) })).histograms!;
  };
  const counts = (metrics: Metric[]) => points(metrics).map((p) => p.count);

  const first = await take();
  assert.equal(first.series.length, 10);
  assert.equal(counts(unpacker.receive(first)).length, 10);

  f.table.byTemplate('/new').record(0, 200, 0.01);
  const second = await take();
  assert.deepEqual(second.series.map((s) => s.attributes.route), ['/new'], 'only the new series is described');
  assert.equal(counts(unpacker.receive(second)).length, 11);

  // an export thread that never saw the descriptions skips what it cannot name, and never misreads the rest
  const late = new HistogramUnpacker();
  const third = await take();
  assert.equal(third.series.length, 0);
  assert.deepEqual(late.receive(third), []);
  packer.lost();
  const fourth = await take();
  assert.equal(fourth.series.length, 11, 'after a lost snapshot every series is described again');
  const lateCounts = counts(late.receive(fourth));
  assert.equal(lateCounts.length, 11);
  const fifth = await take();
  assert.equal(fifth.series.length, 0, 'and then not again');
  assert.deepEqual(counts(unpacker.receive(fifth)), lateCounts);
});

test('packed snapshot: the buffer is reused once the export thread has read it, replaced while it has not', async () => {
  const f = fixture(200);
  const packer = new HistogramPacker();
  const unpacker = new HistogramUnpacker();
  const snap = () => {
    packer.begin();
    collect(new MetricBatch(0, 1, 'otlp', packer), f);
    return packer.finish(0, 1);
  };
  const first = snap();
  const firstDoubles = (first.buffer.byteLength - 8) / 8;
  assert.ok(first.length <= firstDoubles && firstDoubles < 2 * first.length, `${firstDoubles} doubles for ${first.length}: grown by doubling, not to a fixed maximum`);
  const received = (await send({ metrics: [], histograms: first })).histograms!;
  const got = points(unpacker.receive(received));
  assert.equal(got.length, 601);
  assert.equal(got.reduce((n, p) => n + p.count, 0), 600 * 300 + 50);

  const second = snap(); // the first was read: same memory again
  assert.equal(second.buffer, first.buffer);
  const third = snap(); // the second was not read yet: a new buffer, sized from what the last one needed
  assert.notEqual(third.buffer, second.buffer);
  const thirdDoubles = (third.buffer.byteLength - 8) / 8;
  assert.ok(thirdDoubles >= third.length && thirdDoubles < 1.2 * second.length, `${thirdDoubles} doubles for ${third.length}`);
  // and the second, read late, still reads right (the packer never wrote into it again)
  assert.equal(points(unpacker.receive((await send({ metrics: [], histograms: second })).histograms!)).reduce((n, p) => n + p.count, 0), 600 * 300 + 50);
});

test('packed snapshot: a big one is copied in slices, each series whole, the app recording in between; nothing lost', async () => {
  const f = fixture(200);
  const total = () => {
    let n = 0;
    f.table.forEachRoute((route) => {
      for (const s of route.series.values()) n += s.histogram.count;
    });
    return n + f.gc.count;
  };
  const packer = new HistogramPacker();
  const unpacker = new HistogramUnpacker();
  packer.begin();
  collect(new MetricBatch(0, 1, 'otlp', packer), f);
  const before = total();
  let slices = 1;
  let seed = 7;
  const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  while (!packer.pack(SLICE_DOUBLES)) {
    slices++;
    // the app's loop between two slices: requests on every route, some into buckets beyond today's range
    f.table.forEachRoute((route) => {
      for (const s of route.series.values()) s.histogram.record(0.00005 * Math.exp(rnd() * 10));
    });
  }
  const after = total();
  const snapshot = packer.finish(0, 1);
  assert.ok(snapshot.length > 4 * SLICE_DOUBLES, `${snapshot.length} doubles`);
  assert.ok(slices >= 5 && slices <= Math.ceil(snapshot.length / SLICE_DOUBLES), `${slices} slices for ${snapshot.length} doubles`);
  const got = points(unpacker.receive((await send({ metrics: [], histograms: snapshot })).histograms!));
  assert.equal(got.length, 601);
  for (const p of got) {
    // each point is one moment of its series: its count is its buckets' sum
    assert.equal(p.positive.bucketCounts.reduce((a, b) => a + b, 0) + p.zeroCount, p.count);
  }
  const sent = got.reduce((n, p) => n + p.count, 0);
  assert.ok(sent > before && sent < after, `${sent} sent: between ${before} at the start and ${after} at the end`);
  // the next snapshot has everything recorded meanwhile
  packer.begin();
  collect(new MetricBatch(0, 2, 'otlp', packer), f);
  const next = points(unpacker.receive((await send({ metrics: [], histograms: packer.finish(0, 2) })).histograms!));
  assert.equal(next.reduce((n, p) => n + p.count, 0), after);
});
