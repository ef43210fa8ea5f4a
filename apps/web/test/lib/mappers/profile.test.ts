// CPU, heap and allocation profiles as the node page's panels and the findings show them: code worst first, V8's idle and
// unlisted buckets apart, paths short enough to read (the package name kept), a finding's profile only when usable.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CpuProfile, Finding, HeapProfile, HeapSite, ProfileFunction } from '../../../server/api/types.js';
import { allocationsOf, heapProfileOf, hotCodeOf, type FindingWithAllocations, type FindingWithHeapProfile, type FindingWithHotCode } from '../../../lib/mappers/findings.js';
import { codeLocation, fullLocation, heapTable, isCode, latestProfile, profileSeconds, profileTable, shortPath, topCode } from '../../../lib/mappers/profile.js';

const fn = (name: string, share: number, file = '', line = 0, caller: ProfileFunction['caller'] = null): ProfileFunction => ({ name, file, line, column: line > 0 ? 5 : 0, share, caller });

const profile: CpuProfile = {
  instance: 'a-1',
  service: 'shop',
  host: 'h',
  start: 10_000,
  end: 13_000,
  samples: 2950,
  busy: 0.8,
  // deliberately not sorted
  functions: [
    fn('(idle)', 0.2),
    fn('(garbage collector)', 0.06),
    fn('escapeExpression', 0.08, '/srv/app/node_modules/handlebars/dist/cjs/utils.js', 61, { name: 'renderInvoice', file: '/srv/app/src/billing/invoice.js', line: 95 }),
    fn('(other)', 0.04),
    fn('renderInvoice', 0.55, '/srv/app/src/billing/invoice.js', 88, { name: 'handleInvoice', file: '/srv/app/src/routes/billing.js', line: 41 }),
    fn('(program)', 0.04),
    fn('writeGeneric', 0.03, 'node:internal/stream_base_commons', 147),
  ],
};

test('the table: what the thread ran worst first, idle and unlisted time apart', () => {
  const t = profileTable(profile);
  assert.deepEqual(
    t.rows.map((f) => f.name),
    ['renderInvoice', 'escapeExpression', '(garbage collector)', '(program)', 'writeGeneric'],
  );
  assert.equal(t.idle, 0.2);
  assert.equal(t.other, 0.04);
  // every sample is accounted for
  const sum = t.rows.reduce((a, f) => a + f.share, 0) + t.idle + t.other;
  assert.ok(Math.abs(sum - 1) < 1e-9);
  // the input is not reordered
  assert.equal(profile.functions[0].name, '(idle)');
});

test('top code leaves V8 buckets out, but a function named like one with a file is code', () => {
  assert.deepEqual(
    topCode(profile, 3).map((f) => f.name),
    ['renderInvoice', 'escapeExpression', 'writeGeneric'],
  );
  assert.equal(isCode(fn('(garbage collector)', 0.1)), false);
  assert.equal(isCode(fn('(anonymous)', 0.1, '/srv/app/a.js', 3)), true);
  assert.equal(isCode(fn('(program)', 0.1, '/srv/app/weird.js', 1)), true);
  assert.deepEqual(topCode({ ...profile, functions: [fn('(idle)', 1)] }), []);
});

test('paths: the last segments, a package keeps its name, node: modules and short paths whole', () => {
  assert.equal(shortPath('/srv/app/src/billing/invoice.js'), '…/src/billing/invoice.js');
  assert.equal(shortPath('/srv/app/node_modules/handlebars/dist/cjs/utils.js'), 'handlebars/…/cjs/utils.js');
  assert.equal(shortPath('/srv/app/node_modules/lodash/_baseClone.js'), 'lodash/_baseClone.js');
  assert.equal(shortPath('/a/node_modules/@fastify/ajv-compiler/lib/validator/compile.js'), '@fastify/ajv-compiler/…/validator/compile.js');
  // pnpm's layout nests node_modules: the innermost package is the one that ran
  assert.equal(shortPath('/app/node_modules/.pnpm/fastify@5.0.0/node_modules/fastify/lib/route.js'), 'fastify/lib/route.js');
  assert.equal(shortPath('node:internal/stream_base_commons'), 'node:internal/stream_base_commons');
  assert.equal(shortPath('file:///srv/app/src/billing/invoice%20v2.mjs'), '…/src/billing/invoice v2.mjs');
  assert.equal(shortPath('/app/server.js'), '/app/server.js');
  assert.equal(shortPath('src/x.js'), 'src/x.js');
  assert.equal(shortPath(''), '');
});

test('locations: file:line, the line left out when unknown, nothing without a file; the full one for titles', () => {
  assert.equal(codeLocation('/srv/app/src/billing/invoice.js', 88), '…/src/billing/invoice.js:88');
  assert.equal(codeLocation('/srv/app/src/billing/invoice.js', 0), '…/src/billing/invoice.js');
  assert.equal(codeLocation('', 0), '');
  assert.equal(fullLocation('/srv/app/src/billing/invoice.js', 88, 17), '/srv/app/src/billing/invoice.js:88:17');
  assert.equal(fullLocation('/srv/app/src/billing/invoice.js', 88), '/srv/app/src/billing/invoice.js:88');
  assert.equal(fullLocation('', 3), '');
});

test('the newest profile of an answer, and its length in seconds', () => {
  assert.equal(latestProfile(null), null);
  assert.equal(latestProfile([]), null);
  const older = { ...profile, start: 1000, end: 4000 };
  assert.equal(latestProfile([older, profile]), profile);
  assert.equal(latestProfile([profile, older]), profile);
  assert.equal(profileSeconds(profile), 3);
  assert.equal(profileSeconds({ ...profile, end: profile.start - 5 }), 0);
});

test("a finding's hotCode only when it is a usable profile (the field is additive)", () => {
  const base: Finding = { kind: 'event-loop-blocked', severity: 'critical', summary: 's', evidence: [], nodes: ['a-1'], routes: [], since: 0 };
  assert.equal(hotCodeOf(base), null);
  const withCode: FindingWithHotCode = { ...base, hotCode: profile };
  assert.equal(hotCodeOf(withCode), profile);
  assert.equal(hotCodeOf({ ...base, hotCode: null } as unknown as Finding), null);
  assert.equal(hotCodeOf({ ...base, hotCode: { functions: 'x', start: 1, end: 2 } } as unknown as Finding), null);
});

const MB = 1024 * 1024;
const site = (name: string, bytes: number, total: number, file = '', line = 0, caller: HeapSite['caller'] = null): HeapSite => ({ name, file, line, column: line > 0 ? 3 : 0, bytes, share: bytes / total, caller });

const heap: HeapProfile = {
  instance: 'a-1',
  service: 'shop',
  host: 'h',
  start: 20_000,
  end: 40_000,
  samples: 160,
  bytes: 40 * MB,
  // deliberately not sorted
  functions: [
    site('(other)', 4 * MB, 40 * MB),
    site('Buffer.from', 6 * MB, 40 * MB, 'node:buffer', 1, { name: 'readBody', file: '/srv/app/src/http/body.js', line: 30 }),
    site('remember', 30 * MB, 40 * MB, '/srv/app/src/cache/results.js', 12),
  ],
};

test('the heap table: allocation sites with the most live bytes first, the unlisted remainder apart', () => {
  const t = heapTable(heap);
  assert.deepEqual(
    t.rows.map((f) => [f.name, f.bytes]),
    [['remember', 30 * MB], ['Buffer.from', 6 * MB]],
  );
  assert.deepEqual(t.other, { bytes: 4 * MB, share: 0.1 });
  // every byte is accounted for, and the input is not reordered
  assert.equal(t.rows.reduce((a, f) => a + f.bytes, 0) + t.other.bytes, heap.bytes);
  assert.equal(heap.functions[0].name, '(other)');
  // a finding's profile lists code sites only: nothing apart
  assert.deepEqual(heapTable({ ...heap, functions: heap.functions.slice(1) }).other, { bytes: 0, share: 0 });
});

test('top code, the newest profile and its length work on heap profiles too', () => {
  assert.deepEqual(
    topCode(heap, 3).map((f) => [f.name, f.bytes]),
    [['remember', 30 * MB], ['Buffer.from', 6 * MB]],
  );
  assert.deepEqual(topCode(heap, 1).map((f) => f.name), ['remember']);
  const older = { ...heap, start: 0, end: 20_000 };
  assert.equal(latestProfile([older, heap]), heap);
  assert.equal(profileSeconds(heap), 20);
});

test("a finding's heapProfile only when it is a usable profile with its total (the field is additive)", () => {
  const base: Finding = { kind: 'memory-leak', severity: 'critical', summary: 's', evidence: [], nodes: ['a-1'], routes: [], since: 0 };
  assert.equal(heapProfileOf(base), null);
  const withHeap: FindingWithHeapProfile = { ...base, heapProfile: heap };
  assert.equal(heapProfileOf(withHeap), heap);
  assert.equal(hotCodeOf(withHeap), null, 'a heap profile is not hot code');
  assert.equal(heapProfileOf({ ...base, hotCode: profile } as FindingWithHotCode), null, 'nor is hot code a heap profile');
  assert.equal(heapProfileOf({ ...base, heapProfile: null } as unknown as Finding), null);
  assert.equal(heapProfileOf({ ...base, heapProfile: { ...heap, functions: undefined } } as unknown as Finding), null);
  assert.equal(heapProfileOf({ ...base, heapProfile: { ...heap, bytes: 'lots' } } as unknown as Finding), null);
  assert.equal(heapProfileOf({ ...base, heapProfile: { ...heap, end: null } } as unknown as Finding), null);
});

/** An allocation profile as a gc-pressure finding carries it: 3 s, every byte allocated, top code sites only. */
const allocated: HeapProfile = {
  instance: 'b-0',
  service: 'shop',
  host: 'h',
  start: 50_000,
  end: 53_000,
  samples: 1200,
  bytes: 600 * MB,
  functions: [
    site('cloneDeep', 80 * MB, 600 * MB, '/srv/app/node_modules/lodash/cloneDeep.js', 9, { name: 'buildRows', file: '/srv/app/src/report/rows.js', line: 31 }),
    site('buildRows', 360 * MB, 600 * MB, '/srv/app/src/report/rows.js', 23),
  ],
};

test("a finding's allocations only when it is a usable profile with its total, apart from its heap profile", () => {
  const base: Finding = { kind: 'gc-pressure', severity: 'critical', summary: 's', evidence: [], nodes: ['b-0'], routes: [], since: 0 };
  assert.equal(allocationsOf(base), null);
  const withAllocations: FindingWithAllocations = { ...base, allocations: allocated };
  assert.equal(allocationsOf(withAllocations), allocated);
  assert.equal(heapProfileOf(withAllocations), null, 'an allocation profile is not what the heap holds');
  assert.equal(allocationsOf({ ...base, heapProfile: heap } as FindingWithHeapProfile), null, 'nor is a heap profile what was allocated');
  assert.equal(allocationsOf({ ...base, allocations: null } as unknown as Finding), null);
  assert.equal(allocationsOf({ ...base, allocations: { ...allocated, functions: {} } } as unknown as Finding), null);
  assert.equal(allocationsOf({ ...base, allocations: { ...allocated, bytes: undefined } } as unknown as Finding), null);
  assert.equal(allocationsOf({ ...base, allocations: { ...allocated, start: '50000' } } as unknown as Finding), null);
  // its sites, the most bytes first, as the finding and the panel list them
  assert.deepEqual(
    topCode(allocated, 3).map((f) => [f.name, f.bytes]),
    [['buildRows', 360 * MB], ['cloneDeep', 80 * MB]],
  );
  assert.deepEqual(heapTable(allocated).other, { bytes: 0, share: 0 });
  assert.equal(profileSeconds(allocated), 3);
});
