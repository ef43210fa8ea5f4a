// CPU and heap profiles through ingest and the API, over real HTTP: the agent's `nodejs.cpu_profile.*` gauges
// become the node's last profile at GET /api/v1/profiles (`nodejs.heap_profile.*`: GET /api/v1/heap-profiles);
// repeats refresh it, an older window never replaces a newer one, and malformed points are rejected (OTLP
// partial success) without losing the rest.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeJson, Metrics, type Attributes, type Metric } from '@perf/metrics';
import type { CpuProfile, HeapProfile } from '../../../server/api/types.js';
import { postOtlp, testServer } from '../lib/server.js';
import { request, resource } from '../lib/otlp.js';

const ns = (ms: number) => ms * 1e6;

interface Row {
  name: string;
  file?: string;
  line?: number;
  share: number;
  caller?: [string, string, number];
}

function profile(startMs: number, endMs: number, rows: Row[], samples: number): Metric[] {
  const point = (attributes: Attributes, value: number) => ({ attributes, startTimeUnixNano: ns(startMs), timeUnixNano: ns(endMs), flags: 0, value, isInt: false });
  return [
    {
      name: Metrics.cpuProfileSelfTime,
      description: '',
      unit: '1',
      type: 'gauge',
      points: rows.map((r) =>
        point(
          {
            'code.function.name': r.name,
            'code.file.path': r.file ?? '',
            'code.line.number': r.line ?? 0,
            'code.column.number': r.line ? 3 : 0,
            ...(r.caller ? { 'perf.caller.function.name': r.caller[0], 'perf.caller.file.path': r.caller[1], 'perf.caller.line.number': r.caller[2] } : {}),
          },
          r.share,
        ),
      ),
    },
    { name: Metrics.cpuProfileSamples, description: '', unit: '{sample}', type: 'gauge', points: [point({}, samples)] },
  ];
}

const ROWS: Row[] = [
  { name: 'escape', file: '/srv/app/node_modules/tpl/escape.js', line: 1, share: 0.2, caller: ['render', '/srv/app/views.js', 40] },
  { name: '(idle)', share: 0.1 },
  { name: 'renderInvoice', file: '/srv/app/billing/invoice.js', line: 88, share: 0.6 },
  { name: '(garbage collector)', share: 0.1 },
];

test('a node’s CPU profile is served newest first, with the busy share, and only replaced by a newer one', async () => {
  const srv = await testServer();
  try {
    const t = Date.now() - 5000;
    const send = async (metrics: Metric[], instance = 'node-1') => {
      const r = await postOtlp(srv.otlpUrl, Buffer.from(encodeJson(request(resource('shop', instance), metrics))), { contentType: 'application/json' });
      assert.equal(r.status, 200);
      return JSON.parse(r.body.toString()) as { partialSuccess?: { rejectedDataPoints?: string; errorMessage?: string } };
    };
    await send(profile(t, t + 3000, ROWS, 1400));
    await send(profile(t + 1000, t + 2000, [{ name: 'other', file: '/srv/b.js', line: 1, share: 1 }], 10), 'node-2');
    const [status, first] = await srv.get<CpuProfile[]>('/api/v1/profiles');
    assert.equal(status, 200);
    let list = first;
    assert.deepEqual(list.map((p) => p.instance), ['node-1', 'node-2'], 'newest (by end) first');
    const p = list[0];
    assert.deepEqual([p.service, p.start, p.end, p.samples], ['shop', t, t + 3000, 1400]);
    assert.ok(Math.abs(p.busy - 0.9) < 1e-9);
    assert.deepEqual(p.functions.map((f) => [f.name, f.share]), [['renderInvoice', 0.6], ['escape', 0.2], ['(idle)', 0.1], ['(garbage collector)', 0.1]]);
    assert.deepEqual(p.functions[0], { name: 'renderInvoice', file: '/srv/app/billing/invoice.js', line: 88, column: 3, share: 0.6, caller: null });
    assert.deepEqual(p.functions[1].caller, { name: 'render', file: '/srv/app/views.js', line: 40 });

    // the agent's repeats of one profile change nothing; an older one arriving late is ignored; a newer one replaces it
    await send(profile(t, t + 3000, ROWS, 1400));
    await send(profile(t - 60_000, t - 57_000, [{ name: 'stale', file: '/srv/a.js', line: 1, share: 1 }], 5));
    [, list] = await srv.get<CpuProfile[]>('/api/v1/profiles?instance=node-1');
    assert.deepEqual(list.map((x) => [x.instance, x.functions[0].name]), [['node-1', 'renderInvoice']]);
    await send(profile(t + 3500, t + 4500, [{ name: 'later', file: '/srv/a.js', line: 2, share: 1 }], 500));
    [, list] = await srv.get<CpuProfile[]>('/api/v1/profiles?service=shop&instance=node-1');
    assert.deepEqual(list.map((x) => [x.functions[0].name, x.samples]), [['later', 500]]);
    [, list] = await srv.get<CpuProfile[]>('/api/v1/profiles?service=nope');
    assert.deepEqual(list, []);
  } finally {
    await srv.dispose();
  }
});

test('malformed profile points are rejected with partial success; the rest of the profile and the export stay', async () => {
  const srv = await testServer();
  try {
    const t = Date.now() - 5000;
    const good = profile(t, t + 3000, [...ROWS.slice(0, 3), { name: 'bad', file: '/x.js', line: 1, share: 1.5 }], 100);
    // a second profile metric whose points do not share one window
    const mixed = profile(t, t + 3000, ROWS, 100)[0] as Extract<Metric, { type: 'gauge' }>;
    mixed.points[1] = { ...mixed.points[1], timeUnixNano: ns(t + 9000) };
    const body = encodeJson({ resourceMetrics: [...request(resource('shop', 'node-1'), good).resourceMetrics, ...request(resource('shop', 'node-9'), [mixed]).resourceMetrics] });
    const r = await postOtlp(srv.otlpUrl, Buffer.from(body), { contentType: 'application/json' });
    assert.equal(r.status, 200);
    const answer = JSON.parse(r.body.toString());
    assert.equal(answer.partialSuccess.rejectedDataPoints, String(1 + ROWS.length));
    assert.match(answer.partialSuccess.errorMessage, /CPU profile/);
    const [, list] = await srv.get<CpuProfile[]>('/api/v1/profiles');
    assert.deepEqual(list.map((p) => [p.instance, p.functions.map((f) => f.name)]), [['node-1', ['renderInvoice', 'escape', '(idle)']]]);
  } finally {
    await srv.dispose();
  }
});

function heapProfile(startMs: number, endMs: number, rows: { name: string; file?: string; line?: number; bytes: number; caller?: [string, string, number] }[], samples: number): Metric[] {
  const cpu = profile(startMs, endMs, rows.map((r) => ({ ...r, share: 0 })), samples);
  const [sites, count] = cpu as [Extract<Metric, { type: 'gauge' }>, Extract<Metric, { type: 'gauge' }>];
  sites.points.forEach((p, i) => (p.value = rows[i].bytes));
  return [
    { ...sites, name: Metrics.heapProfileLiveSize, unit: 'By' },
    { ...count, name: Metrics.heapProfileSamples },
  ];
}

test('a node’s heap profile is served at /api/v1/heap-profiles with its sites’ bytes and shares, apart from its CPU profile', async () => {
  const srv = await testServer();
  try {
    const t = Date.now() - 30_000;
    const send = async (metrics: Metric[], instance = 'node-1') => {
      const r = await postOtlp(srv.otlpUrl, Buffer.from(encodeJson(request(resource('shop', instance), metrics))), { contentType: 'application/json' });
      assert.equal(r.status, 200);
      return JSON.parse(r.body.toString()) as { partialSuccess?: { rejectedDataPoints?: string; errorMessage?: string } };
    };
    const MB = 1024 * 1024;
    const sites = [
      { name: 'Buffer.from', file: 'node:buffer', line: 1, bytes: 6 * MB, caller: ['readBody', '/srv/app/body.js', 30] as [string, string, number] },
      { name: 'remember', file: '/srv/app/cache.js', line: 12, bytes: 30 * MB },
      { name: '(other)', bytes: 4 * MB },
    ];
    await send([...heapProfile(t, t + 20_000, sites, 160), ...profile(t, t + 3000, ROWS, 1400)]);
    const [status, list] = await srv.get<HeapProfile[]>('/api/v1/heap-profiles?service=shop');
    assert.equal(status, 200);
    assert.equal(list.length, 1);
    const p = list[0];
    assert.deepEqual([p.instance, p.service, p.start, p.end, p.samples, p.bytes], ['node-1', 'shop', t, t + 20_000, 160, 40 * MB]);
    assert.deepEqual(p.functions.map((f) => [f.name, f.bytes, f.share]), [['remember', 30 * MB, 0.75], ['Buffer.from', 6 * MB, 0.15], ['(other)', 4 * MB, 0.1]]);
    assert.deepEqual(p.functions[1].caller, { name: 'readBody', file: '/srv/app/body.js', line: 30 });
    // the CPU profile of the same export is its own
    const [, cpu] = await srv.get<CpuProfile[]>('/api/v1/profiles');
    assert.deepEqual(cpu[0].functions.map((f) => f.name), ['renderInvoice', 'escape', '(idle)', '(garbage collector)']);

    // a negative size is rejected, the rest of the profile kept; an older profile never replaces it
    const answer = await send(heapProfile(t + 25_000, t + 26_000, [{ name: 'grow', file: '/a.js', line: 1, bytes: 8 * MB }, { name: 'bad', file: '/a.js', line: 2, bytes: -1 }], 3));
    assert.equal(answer.partialSuccess?.rejectedDataPoints, '1');
    assert.match(answer.partialSuccess?.errorMessage ?? '', /heap profile/);
    await send(heapProfile(t, t + 20_000, sites, 160));
    const [, after] = await srv.get<HeapProfile[]>('/api/v1/heap-profiles?instance=node-1');
    assert.deepEqual(after.map((x) => [x.functions.map((f) => f.name), x.samples, x.bytes]), [[['grow'], 3, 8 * MB]]);
    const [, none] = await srv.get<HeapProfile[]>('/api/v1/heap-profiles?service=nope');
    assert.deepEqual(none, []);
  } finally {
    await srv.dispose();
  }
});

test('an allocation profile is kept apart from the heap profile and served at /api/v1/allocation-profiles', async () => {
  const srv = await testServer();
  try {
    const t = Date.now() - 10_000;
    const MB = 1024 * 1024;
    const held = heapProfile(t, t + 10_000, [{ name: 'remember', file: '/srv/app/cache.js', line: 12, bytes: 30 * MB }], 240);
    const allocated = heapProfile(t + 2000, t + 5000, [{ name: 'buildView', file: '/srv/app/view.js', line: 23, bytes: 600 * MB }, { name: 'clone', file: '/srv/app/node_modules/lodash/clone.js', line: 9, bytes: 200 * MB, caller: ['buildView', '/srv/app/view.js', 31] }], 1600).map((m) => ({
      ...m,
      name: m.name === Metrics.heapProfileLiveSize ? Metrics.allocationProfileSize : Metrics.allocationProfileSamples,
    }));
    const r = await postOtlp(srv.otlpUrl, Buffer.from(encodeJson(request(resource('shop', 'node-1'), [...held, ...allocated]))), { contentType: 'application/json' });
    assert.equal(r.status, 200);
    assert.equal(JSON.parse(r.body.toString()).partialSuccess, undefined);
    const [status, list] = await srv.get<HeapProfile[]>('/api/v1/allocation-profiles?instance=node-1');
    assert.equal(status, 200);
    assert.deepEqual(list.map((p) => [p.start, p.end, p.samples, p.bytes, p.functions.map((f) => [f.name, f.share])]), [[t + 2000, t + 5000, 1600, 800 * MB, [['buildView', 0.75], ['clone', 0.25]]]]);
    assert.deepEqual(list[0].functions[1].caller, { name: 'buildView', file: '/srv/app/view.js', line: 31 });
    const [, heap] = await srv.get<HeapProfile[]>('/api/v1/heap-profiles?instance=node-1');
    assert.deepEqual(heap.map((p) => p.functions.map((f) => f.name)), [['remember']]);
  } finally {
    await srv.dispose();
  }
});
