// A finding about CPU time names the code that ran: the last CPU profile of one of its nodes, taken while the
// finding held or just before, is attached (`hotCode`) and phrased in the summary; other kinds, stale profiles
// and profiles of other nodes are not.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CpuProfile, HeapProfile } from '../../server/api/types.js';
import { Diagnoser } from '../../server/diagnose/diagnoser.js';
import { shortPath } from '../../server/api/paths.js';
import { allocationProfileFor, heapProfileFor, hotCodeFor, hotCodePhrase } from '../../server/diagnose/hotcode.js';
import type { DiagnosisInput } from '../../server/diagnose/types.js';
import { healthyFleet, sickenNode } from './generate.js';

function blocked(): DiagnosisInput {
  const input = healthyFleet({ seed: 7, nodes: 6, seconds: 120 });
  sickenNode(input, 'node-3', 'eventLoopDelayP99', -10, () => 0.25);
  sickenNode(input, 'node-3', 'eventLoopDelayMax', -10, () => 0.4);
  sickenNode(input, 'node-3', 'elu', -10, () => 0.95);
  return input;
}

function profileOf(instance: string, end: number): CpuProfile {
  return {
    instance,
    service: 'svc',
    host: 'h',
    start: end - 3000,
    end,
    samples: 1400,
    busy: 0.9,
    functions: [
      { name: 'renderInvoice', file: '/srv/app/src/billing/invoice.js', line: 88, column: 5, share: 0.62, caller: null },
      { name: 'escape', file: '/srv/app/node_modules/tpl/lib/escape.js', line: 3, column: 1, share: 0.2, caller: { name: 'render', file: '/srv/app/src/views.js', line: 40 } },
      { name: '(idle)', file: '', line: 0, column: 0, share: 0.1, caller: null },
      { name: '(garbage collector)', file: '', line: 0, column: 0, share: 0.04, caller: null },
      { name: '(other)', file: '', line: 0, column: 0, share: 0.04, caller: null },
    ],
  };
}

describe('hot code in findings', () => {
  // verification: on a crowded host a node's off-cpu finding held for a minute, its profile (taken during it) named the
  // blocking function, and the event-loop-blocked finding raised after it went without that profile
  it('a finding raised on a node other findings have named for a while carries the profile of that episode', () => {
    const t0 = 1_800_000_000_000;
    let blockedToo = false;
    const draft = (kind: 'off-cpu' | 'event-loop-blocked') => ({ kind, variant: kind === 'off-cpu' ? 'node' : 'nodes', subject: kind === 'off-cpu' ? 'node-3' : 'nodes', severity: 'warning' as const, nodes: ['node-3'], routes: [], evidence: [], facts: { node: 'node-3', p99: 0.2, max: 0.2, fleetP99: 0.002, fleetMax: 0, elu: 0.3, nodeCount: 1, fleetNodes: 6, route: '', blockedSeconds: 5, stalls: 10 } });
    const d = new Diagnoser({ raiseAfter: 1, rules: [{ name: 'both', rule: () => ({ status: 'issue', findings: blockedToo ? [draft('off-cpu'), draft('event-loop-blocked')] : [draft('off-cpu')] }) }] });
    const input = { ...healthyFleet({ nodes: 6 }), profiles: new Map([['node-3', profileOf('node-3', t0 + 20_000)]]) };
    d.evaluate(input, t0);
    d.evaluate(input, t0 + 30_000);
    blockedToo = true;
    const loop = d.evaluate(input, t0 + 60_000).find((f) => f.kind === 'event-loop-blocked')!;
    assert.equal(loop.hotCode?.end, t0 + 20_000, 'the episode\'s profile, 40 s old');
    assert.match(loop.summary, /Profiled on node-3: 62% of the time in renderInvoice/);
    // an episode's profile older than two minutes is not
    const d2 = new Diagnoser({ raiseAfter: 1, rules: [{ name: 'both', rule: () => ({ status: 'issue', findings: blockedToo ? [draft('off-cpu'), draft('event-loop-blocked')] : [draft('off-cpu')] }) }] });
    blockedToo = false;
    d2.evaluate(input, t0);
    blockedToo = true;
    assert.equal(d2.evaluate(input, t0 + 200_000).find((f) => f.kind === 'event-loop-blocked')!.hotCode, undefined);
  });

  it('a blocked loop names the function the profile found, and where it was called from', () => {
    const input = blocked();
    const now = input.times.at(-1)! + 1000;
    input.profiles = new Map([['node-3', profileOf('node-3', now - 2000)]]);
    const found = new Diagnoser({ raiseAfter: 1 }).evaluate(input, now);
    const loop = found.find((f) => f.kind === 'event-loop-blocked');
    assert.ok(loop, found.map((f) => f.kind).join(', '));
    assert.ok(loop.hotCode);
    assert.equal(loop.hotCode.instance, 'node-3');
    assert.deepEqual(loop.hotCode.functions.map((f) => f.name), ['renderInvoice', 'escape', '(garbage collector)'], 'code only: no idle, no rest');
    assert.match(loop.summary, /Profiled on node-3: 62% of the time in renderInvoice \(…\/src\/billing\/invoice\.js:88\), 20% in escape \(tpl\/lib\/escape\.js:3\) called from render \(…\/app\/src\/views\.js:40\)\./);
    assert.match(loop.advice, /The CPU profile of node-3 points at renderInvoice \(…\/src\/billing\/invoice\.js:88\), 62% of its time: start there\.$/);
  });

  it('no profile, a stale one, or another node’s: nothing attached', () => {
    for (const profiles of [undefined, new Map<string, CpuProfile>()]) {
      const input = blocked();
      input.profiles = profiles;
      const loop = new Diagnoser({ raiseAfter: 1 }).evaluate(input).find((f) => f.kind === 'event-loop-blocked');
      assert.ok(loop);
      assert.equal(loop.hotCode, undefined);
      assert.doesNotMatch(loop.summary, /Profiled/);
    }
    const since = 1_000_000;
    const profiles = new Map([
      ['node-3', profileOf('node-3', since - 11_000)],
      ['node-4', profileOf('node-4', since)],
    ]);
    assert.equal(hotCodeFor('event-loop-blocked', ['node-3'], since, profiles), undefined, 'ended more than 10 s before the finding');
    // a loop blocked from its process's start is judged once the start-up (20 s) is over: a profile taken in the
    // start-up counts for a finding raised right after it, not for one raised later
    const quiet = () => 0;
    assert.equal(hotCodeFor('event-loop-blocked', ['node-3'], since, profiles, quiet, () => since - 22_000)?.instance, 'node-3', 'raised 2 s after the start-up');
    assert.equal(hotCodeFor('event-loop-blocked', ['node-3'], since, profiles, quiet, () => since - 60_000), undefined, 'raised 40 s after it');
    const idle = profileOf('node-5', since);
    idle.functions = [{ name: '(idle)', file: '', line: 0, column: 0, share: 0.97, caller: null }, { name: 'tick', file: '/a.js', line: 1, column: 1, share: 0.03, caller: null }];
    assert.equal(hotCodeFor('event-loop-blocked', ['node-5'], since, new Map([['node-5', idle]])), undefined, 'a profile of a mostly idle loop');
    assert.equal(hotCodeFor('event-loop-blocked', ['node-3', 'node-4'], since, profiles)?.instance, 'node-4', 'the first of its nodes with a fresh one');
    assert.equal(hotCodeFor('gc-pressure', ['node-4'], since, profiles), undefined, 'not a kind about CPU time');
    assert.equal(hotCodeFor('memory-leak', ['node-4'], since, profiles), undefined);
    // a profile that began before the node last went quiet is of that earlier episode (zoo, CI: a blocked loop's
    // finding carried the profile of the synchronous wait the same node had just before)
    const earlier = new Map([['node-4', profileOf('node-4', since - 5000)]]);
    const start = earlier.get('node-4')!.start;
    assert.equal(hotCodeFor('event-loop-blocked', ['node-4'], since, earlier, () => start + 1000), undefined);
    assert.equal(hotCodeFor('event-loop-blocked', ['node-4'], since, earlier, () => start - 1000)?.instance, 'node-4');
  });

  it('phrases V8’s own entries and leaves out what is under 5%', () => {
    const p = profileOf('n', 0);
    p.functions = [
      { name: '(garbage collector)', file: '', line: 0, column: 0, share: 0.4, caller: null },
      { name: '(program)', file: '', line: 0, column: 0, share: 0.3, caller: null },
    ];
    assert.equal(hotCodePhrase(p), "Profiled on n: 40% of the time in garbage collection, 30% in V8's and Node's native code.");
    p.functions = [{ name: 'tiny', file: '/a/b.js', line: 1, column: 1, share: 0.04, caller: null }];
    assert.equal(hotCodePhrase(p), '');
  });

  it('shortens paths as the UI does (one rule, server/api/paths.ts)', () => {
    assert.equal(shortPath('/srv/app/src/billing/invoice.js'), '…/src/billing/invoice.js');
    assert.equal(shortPath('/srv/app/node_modules/express/lib/router/index.js'), 'express/…/router/index.js');
    assert.equal(shortPath('/srv/app/node_modules/@scope/pkg/lib/x.js'), '@scope/pkg/lib/x.js');
    assert.equal(shortPath('node:internal/timers'), 'node:internal/timers');
    assert.equal(shortPath('C:\\app\\src\\lib\\server.js'), '…/src/lib/server.js');
  });

  it('a leaking heap names the allocation sites of what it kept', () => {
    const MB = 1024 * 1024;
    const input = healthyFleet({ seed: 21 });
    const n = input.nodes.find((x) => x.instance === 'node-5')!;
    sickenNode(input, 'node-5', 'heapLimit', 0, () => 256 * MB);
    const start = n.heapUsed[n.heapUsed.length - 10];
    sickenNode(input, 'node-5', 'heapUsed', -9, (i) => start + (i - 110) * 7 * MB + (i % 2) * MB);
    const now = input.times.at(-1)! + 1000;
    const heap = (instance: string, end: number): HeapProfile => ({
      instance,
      service: 'svc',
      host: 'h',
      start: end - 20_000,
      end,
      samples: 190,
      bytes: 48 * MB,
      functions: [
        { name: 'remember', file: '/srv/app/src/cache/results.js', line: 12, column: 3, bytes: 39 * MB, share: 39 / 48, caller: null },
        // Array.from, as V8 names it (no file)
        { name: 'from', file: '', line: 0, column: 0, bytes: 6 * MB, share: 6 / 48, caller: { name: 'readBody', file: '/srv/app/src/http/body.js', line: 30 } },
        { name: '(other)', file: '', line: 0, column: 0, bytes: 3 * MB, share: 3 / 48, caller: null },
      ],
    });
    input.heapProfiles = new Map([['node-5', heap('node-5', now + 5000)]]);
    input.profiles = new Map([['node-5', profileOf('node-5', now)]]);
    const found = new Diagnoser({ raiseAfter: 1 }).evaluate(input, now);
    const leak = found.find((f) => f.kind === 'memory-leak');
    assert.ok(leak, found.map((f) => f.kind).join(', '));
    assert.equal(leak.hotCode, undefined, 'a CPU profile says nothing about a leak');
    assert.deepEqual(leak.heapProfile?.functions.map((f) => f.name), ['remember', 'from'], 'code only');
    assert.match(leak.summary, /Heap profile of node-5: of 48 MiB allocated over 20 s and still held, 81\.3% from remember \(…\/src\/cache\/results\.js:12\), 12\.5% from from \(native\) called from readBody \(…\/src\/http\/body\.js:30\)\./);
    assert.match(leak.advice, /The heap profile of node-5 points at remember \(…\/src\/cache\/results\.js:12\), 81\.3% of what was allocated and kept: start there\.$/);

    // a profile from before the leak's time, another kind, another node: nothing
    const since = 10_000_000;
    const old = new Map([['node-5', heap('node-5', since - 6 * 60_000)]]);
    assert.equal(heapProfileFor('memory-leak', 'heap', ['node-5'], since, old), undefined);
    assert.equal(heapProfileFor('memory-leak', 'heap', ['node-5'], since - 60_000, old)?.instance, 'node-5', 'five minutes before counts');
    assert.equal(heapProfileFor('memory-leak', 'rss', ['node-5'], since, new Map([['node-5', heap('node-5', since)]])), undefined, 'RSS growth is outside the JS heap');
    assert.equal(heapProfileFor('gc-pressure', 'heap', ['node-5'], since, new Map([['node-5', heap('node-5', since)]])), undefined);
    assert.equal(heapProfileFor('memory-leak', 'heap', ['node-4'], since, new Map([['node-5', heap('node-5', since)]])), undefined);
    // a growth of 6 s: a profile that ended a minute before it began is of something else (an outside audit's leak
    // finding named the code of an earlier allocation churn); one from the growth's own time counts
    const minuteBefore = new Map([['node-5', heap('node-5', since - 66_000)]]);
    assert.equal(heapProfileFor('memory-leak', 'heap', ['node-5'], since, minuteBefore, 6), undefined);
    assert.equal(heapProfileFor('memory-leak', 'heap', ['node-5'], since, new Map([['node-5', heap('node-5', since - 20_000)]]), 6)?.instance, 'node-5');
    assert.equal(heapProfileFor('memory-leak', 'heap', ['node-5'], since, minuteBefore, 120)?.instance, 'node-5', 'a slow leak: growing for two minutes');
    // what the profile found still held must be a fair part of the growth over its time (48 MB over 20 s)
    const fresh = new Map([['node-5', heap('node-5', since - 5000)]]);
    assert.equal(heapProfileFor('memory-leak', 'heap', ['node-5'], since, fresh, 30, 2 * MB)?.instance, 'node-5', '48 of 40 MB');
    assert.equal(heapProfileFor('memory-leak', 'heap', ['node-5'], since, fresh, 30, 40 * MB), undefined, '48 of 800 MB: not what grows');
    // Node's own code without a caller in the app is nowhere to start from (an audit's advice named processTimers)
    const timers = heap('node-5', since - 5000);
    timers.functions = [{ name: 'processTimers', file: 'node:internal/timers', line: 504, column: 1, bytes: 40 * MB, share: 40 / 48, caller: null }, ...timers.functions];
    const named = heapProfileFor('memory-leak', 'heap', ['node-5'], since, new Map([['node-5', timers]]), 30, 1 * MB);
    assert.deepEqual(named?.functions.map((f) => f.name), ['remember', 'from']);
  });

  it('a busy collector names who allocates the most, from the allocation profile', () => {
    const MB = 1024 * 1024;
    const input = healthyFleet({ seed: 16 });
    sickenNode(input, 'node-3', 'gcShare', -6, () => 0.22);
    const now = input.times.at(-1)! + 1000;
    const allocations = (instance: string, end: number): HeapProfile => ({
      instance,
      service: 'svc',
      host: 'h',
      start: end - 3000,
      end,
      samples: 1600,
      bytes: 800 * MB,
      functions: [
        { name: 'buildUserView', file: '/srv/app/src/users/view.js', line: 23, column: 12, bytes: 560 * MB, share: 0.7, caller: null },
        { name: 'baseClone', file: '/srv/app/node_modules/lodash/_baseClone.js', line: 155, column: 18, bytes: 200 * MB, share: 0.25, caller: { name: 'buildUserView', file: '/srv/app/src/users/view.js', line: 31 } },
        { name: '(other)', file: '', line: 0, column: 0, bytes: 40 * MB, share: 0.05, caller: null },
      ],
    });
    input.allocationProfiles = new Map([['node-3', allocations('node-3', now - 20_000)]]);
    const found = new Diagnoser({ raiseAfter: 1 }).evaluate(input, now);
    const gc = found.find((f) => f.kind === 'gc-pressure');
    assert.ok(gc, found.map((f) => f.kind).join(', '));
    assert.deepEqual(gc.allocations?.functions.map((f) => f.name), ['buildUserView', 'baseClone'], 'code only');
    assert.equal(gc.heapProfile, undefined);
    assert.match(gc.summary, /Allocation profile of node-3: 800 MiB allocated over 3 s, 70% by buildUserView \(…\/src\/users\/view\.js:23\), 25% by baseClone \(lodash\/_baseClone\.js:155\) called from buildUserView \(…\/src\/users\/view\.js:31\)\./);
    assert.match(gc.advice, /The allocation profile of node-3 points at buildUserView \(…\/src\/users\/view\.js:23\), 70% of the bytes allocated: allocate less there/);

    const since = 10_000_000;
    const fresh = new Map([['node-3', allocations('node-3', since - 30_000)]]);
    assert.equal(allocationProfileFor('gc-pressure', 'share', ['node-3'], since, fresh)?.instance, 'node-3', 'a minute before counts');
    assert.equal(allocationProfileFor('gc-pressure', 'share', ['node-3'], since, new Map([['node-3', allocations('node-3', since - 61_000)]])), undefined, 'older does not');
    assert.equal(allocationProfileFor('gc-pressure', 'long-pauses', ['node-3'], since, fresh), undefined, 'long pauses near the limit are about what is retained');
    assert.equal(allocationProfileFor('memory-leak', 'heap', ['node-3'], since, fresh), undefined);
  });
});
