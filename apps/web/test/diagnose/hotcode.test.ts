// A finding about CPU time names the code that ran: the last CPU profile of one of its nodes, taken while the
// finding held or just before, is attached (`hotCode`) and phrased in the summary; other kinds, stale profiles
// and profiles of other nodes are not.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CpuProfile } from '../../server/api/types.js';
import { Diagnoser } from '../../server/diagnose/diagnoser.js';
import { hotCodeFor, hotCodePhrase, shortFile } from '../../server/diagnose/hotcode.js';
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
    assert.match(loop.summary, /Profiled on node-3: 62% of the time in renderInvoice \(billing\/invoice\.js:88\), 20% in escape \(tpl\/lib\/escape\.js:3\) called from render \(src\/views\.js:40\)\./);
    assert.match(loop.advice, /The CPU profile of node-3 points at renderInvoice \(billing\/invoice\.js:88\), 62% of its time: start there\.$/);
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
    const idle = profileOf('node-5', since);
    idle.functions = [{ name: '(idle)', file: '', line: 0, column: 0, share: 0.97, caller: null }, { name: 'tick', file: '/a.js', line: 1, column: 1, share: 0.03, caller: null }];
    assert.equal(hotCodeFor('event-loop-blocked', ['node-5'], since, new Map([['node-5', idle]])), undefined, 'a profile of a mostly idle loop');
    assert.equal(hotCodeFor('event-loop-blocked', ['node-3', 'node-4'], since, profiles)?.instance, 'node-4', 'the first of its nodes with a fresh one');
    assert.equal(hotCodeFor('gc-pressure', ['node-4'], since, profiles), undefined, 'not a kind about CPU time');
    assert.equal(hotCodeFor('memory-leak', ['node-4'], since, profiles), undefined);
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

  it('shortens paths to what finds the file', () => {
    assert.equal(shortFile('/srv/app/src/billing/invoice.js'), 'billing/invoice.js');
    assert.equal(shortFile('/srv/app/node_modules/express/lib/router/index.js'), 'express/lib/router/index.js');
    assert.equal(shortFile('node:internal/timers'), 'node:internal/timers');
    assert.equal(shortFile('C:\\app\\src\\server.js'), 'src/server.js');
  });
});
