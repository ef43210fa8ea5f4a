import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Evaluator } from '../../server/alerts/engine/evaluator.js';
import { fingerprint } from '../../server/alerts/engine/fingerprint.js';
import { rule, TestSource } from './lib/rules.js';
import type { Notification } from '../../server/alerts/types.js';

const S = 1000;

function run(ev: Evaluator, rules: ReturnType<typeof rule>[], src: TestSource, from: number, to: number, set?: (t: number) => void): Notification[] {
  const out: Notification[] = [];
  for (let t = from; t <= to; t += S) {
    set?.(t);
    out.push(...ev.evaluate(rules, src, t));
  }
  return out;
}

test('inactive → pending → firing after `for` → resolved after the condition clears', () => {
  const ev = new Evaluator({ resolveAfterMs: 5 * S });
  const src = new TestSource();
  const r = rule({ for: '10s' });
  src.set('fleet', 'latency.p99', 0.1);
  assert.deepEqual(ev.evaluate([r], src, 0), []);
  assert.equal(ev.alerts().length, 0);

  src.set('fleet', 'latency.p99', 0.5);
  assert.deepEqual(ev.evaluate([r], src, 1 * S), []);
  assert.equal(ev.alerts()[0].state, 'pending');
  assert.deepEqual(run(ev, [r], src, 2 * S, 10 * S), [], 'still pending before `for` has passed');
  const fired = ev.evaluate([r], src, 11 * S);
  assert.equal(fired.length, 1);
  assert.equal(fired[0].status, 'firing');
  assert.equal(fired[0].alerts[0].activeAt, 1 * S, 'startsAt is when the condition first held');
  assert.equal(fired[0].alerts[0].labels.alertname, r.name);
  assert.match(fired[0].alerts[0].annotations.summary, /fleet latency\.p99 500 ms > 200 ms/);

  assert.deepEqual(run(ev, [r], src, 12 * S, 30 * S), [], 'no repeat while firing');
  src.set('fleet', 'latency.p99', 0.05);
  assert.deepEqual(run(ev, [r], src, 31 * S, 34 * S), [], 'not resolved before resolveAfter');
  const resolved = ev.evaluate([r], src, 35 * S);
  assert.equal(resolved.length, 1);
  assert.equal(resolved[0].status, 'resolved');
  assert.equal(resolved[0].alerts[0].resolvedAt, 35 * S);
  assert.equal(resolved[0].alerts[0].fingerprint, fired[0].alerts[0].fingerprint);
  assert.equal(ev.alerts().length, 0);
});

test('a pending alert that clears before `for` never fires', () => {
  const ev = new Evaluator();
  const src = new TestSource();
  const r = rule({ for: '5s' });
  const out = run(ev, [r], src, 0, 60 * S, (t) => src.set('fleet', 'latency.p99', (t / S) % 4 < 3 ? 0.5 : 0.1));
  assert.equal(out.length, 0);
});

test('a flapping signal does not storm: one firing, and one resolved once it stays clear', () => {
  const ev = new Evaluator({ resolveAfterMs: 10 * S });
  const src = new TestSource();
  const r = rule({ for: '0s' });
  // crosses the threshold every other second for two minutes
  const out = run(ev, [r], src, 0, 120 * S, (t) => src.set('fleet', 'latency.p99', (t / S) % 2 === 0 ? 0.3 : 0.1));
  assert.deepEqual(out.map((n) => n.status), ['firing']);
  src.set('fleet', 'latency.p99', 0.1);
  const after = run(ev, [r], src, 121 * S, 140 * S);
  assert.deepEqual(after.map((n) => n.status), ['resolved']);
});

test('hysteresis: hovering just under the threshold keeps a firing alert firing', () => {
  const ev = new Evaluator({ resolveAfterMs: 3 * S, hysteresis: 0.1 });
  const src = new TestSource();
  const r = rule({ threshold: 1 });
  src.set('fleet', 'latency.p99', 1.5);
  assert.equal(ev.evaluate([r], src, 0)[0].status, 'firing');
  src.set('fleet', 'latency.p99', 0.95); // below 1, above 0.9
  assert.deepEqual(run(ev, [r], src, S, 60 * S), []);
  src.set('fleet', 'latency.p99', 0.85);
  assert.deepEqual(run(ev, [r], src, 61 * S, 70 * S).map((n) => n.status), ['resolved']);
});

test('op "<": rps below a floor', () => {
  const ev = new Evaluator({ resolveAfterMs: 0 });
  const src = new TestSource();
  const r = rule({ metric: 'rps', op: '<', threshold: 100 });
  src.set('fleet', 'rps', 50);
  assert.equal(ev.evaluate([r], src, 0)[0].status, 'firing');
  src.set('fleet', 'rps', 200);
  assert.equal(ev.evaluate([r], src, S)[0].status, 'resolved');
});

test('one alert per rule and label set, with stable fingerprints; a vanished node resolves', () => {
  const ev = new Evaluator({ resolveAfterMs: 2 * S });
  const src = new TestSource();
  const r = rule({ scope: 'node', metric: 'eventLoopDelay.p99', threshold: 0.1, labels: { severity: 'page' } });
  const nodes = (a: number, b: number) => [
    { labels: { instance: 'a', service: 'api' }, value: a },
    { labels: { service: 'api', instance: 'b' }, value: b },
  ];
  src.set('node', 'eventLoopDelay.p99', nodes(0.5, 0.05));
  const first = ev.evaluate([r], src, 0);
  assert.equal(first.length, 1);
  assert.equal(first[0].alerts.length, 1);
  const fa = first[0].alerts[0];
  assert.deepEqual(fa.labels, { alertname: r.name, severity: 'page', instance: 'a', service: 'api' });
  assert.equal(fa.fingerprint, fingerprint({ service: 'api', severity: 'page', instance: 'a', alertname: r.name }));
  assert.match(fa.fingerprint, /^[0-9a-f]{16}$/);

  src.set('node', 'eventLoopDelay.p99', nodes(0.6, 0.7));
  const second = ev.evaluate([r], src, S);
  assert.equal(second.length, 1);
  assert.deepEqual(second[0].alerts.map((a) => a.labels.instance), ['b'], 'node a is not announced again');
  assert.equal(ev.alerts().length, 2);

  src.set('node', 'eventLoopDelay.p99', [{ labels: { instance: 'b', service: 'api' }, value: 0.7 }]);
  const gone = run(ev, [r], src, 2 * S, 5 * S);
  assert.deepEqual(gone.map((n) => [n.status, n.alerts.map((a) => a.labels.instance)]), [['resolved', ['a']]]);
});

test('known fingerprint: matches Prometheus model.LabelSet.Fingerprint (FNV-1a 64)', () => {
  // empty label set → the FNV-64a offset basis, as in prometheus/common/model
  assert.equal(fingerprint({}), 'cbf29ce484222325');
  assert.equal(fingerprint({ a: '1', b: '2' }), fingerprint({ b: '2', a: '1' }));
  assert.notEqual(fingerprint({ a: '1' }), fingerprint({ a: '2' }));
});

test('repeat interval re-announces a long firing alert, no more often', () => {
  const ev = new Evaluator({ repeatIntervalMs: 30 * S });
  const src = new TestSource();
  const r = rule({});
  src.set('fleet', 'latency.p99', 1);
  const out = run(ev, [r], src, 0, 100 * S);
  assert.deepEqual(out.map((n) => `${n.status}${n.repeat ? '+repeat' : ''}`), ['firing', 'firing+repeat', 'firing+repeat', 'firing+repeat']);
});

test('a deleted or disabled rule resolves its firing alerts at once', () => {
  const ev = new Evaluator();
  const src = new TestSource();
  const r = rule({});
  src.set('fleet', 'latency.p99', 1);
  ev.evaluate([r], src, 0);
  const out = ev.evaluate([], src, S);
  assert.equal(out.length, 1);
  assert.equal(out[0].status, 'resolved');
  assert.equal(out[0].rule.id, r.id);
  ev.evaluate([r], src, 2 * S);
  assert.equal(ev.evaluate([{ ...r, enabled: false }], src, 3 * S)[0].status, 'resolved');
});

test('no data (NaN) never fires; rules sharing a query share one read', () => {
  const ev = new Evaluator();
  const src = new TestSource();
  src.set('fleet', 'latency.p99', NaN);
  const rules = Array.from({ length: 50 }, (_, i) => rule({ threshold: 0.1 + i / 1000 }));
  assert.deepEqual(ev.evaluate(rules, src, 0), []);
  assert.equal(src.reads, 1);
});

test('restore: a firing alert saved before a restart is not announced again and keeps startsAt', () => {
  const ev = new Evaluator();
  const src = new TestSource();
  const r = rule({});
  src.set('fleet', 'latency.p99', 1);
  const [n] = ev.evaluate([r], src, 0);
  const ev2 = new Evaluator({ resolveAfterMs: 0 });
  ev2.restore(ev.alerts(), [r]);
  assert.deepEqual(ev2.evaluate([r], src, 10 * S), []);
  src.set('fleet', 'latency.p99', 0);
  const [res] = ev2.evaluate([r], src, 11 * S);
  assert.equal(res.status, 'resolved');
  assert.equal(res.alerts[0].activeAt, n.alerts[0].activeAt);
});

test('a failing read holds the rule\'s alerts instead of resolving them', () => {
  const ev = new Evaluator({ resolveAfterMs: 0 });
  const src = new TestSource();
  const r = rule({});
  src.set('fleet', 'latency.p99', 1);
  ev.evaluate([r], src, 0);
  const broken = { read: () => { throw new Error('store busy'); } };
  const twin = { ...r, id: 'twin', name: 'twin' }; // same query: served from the failed read
  assert.deepEqual(ev.evaluate([r, twin], broken, S), []);
  assert.deepEqual(ev.evaluate([r, twin], broken, 2 * S), []);
  assert.equal(ev.alerts()[0].state, 'firing');
});

test('restore with a grace period: a restored alert does not resolve during the grace, then does', () => {
  const src = new TestSource();
  const r = rule({});
  const ev = new Evaluator();
  src.set('fleet', 'latency.p99', 1);
  ev.evaluate([r], src, 0);
  const ev2 = new Evaluator({ resolveAfterMs: 2 * S });
  ev2.restore(ev.alerts(), [r], 100 * S, 10 * S);
  src.set('fleet', 'latency.p99', NaN); // the store's window is still empty after the restart
  assert.deepEqual(run(ev2, [r], src, 100 * S, 109 * S), []);
  assert.deepEqual(run(ev2, [r], src, 110 * S, 112 * S).map((n) => n.status), ['resolved']);
});

test('a firing alert whose words newly tell something (a profile naming the code joined its finding) is announced again, at most MAX_REVISIONS times', async () => {
  const { MAX_REVISIONS } = await import('../../server/alerts/engine/evaluator.js');
  const ev = new Evaluator();
  const src = new TestSource();
  const r = rule({ metric: 'finding', finding: 'event-loop-blocked', op: '>', threshold: 0, for: '0s' });
  const say = (detail: string, revision: string) => src.set('fleet', 'finding', [{ labels: {}, value: 1, detail, revision }]);
  say('Event loop blocked on node api-1: delay p99 160 ms.', 'loop||');
  const fired = ev.evaluate([r], src, 0);
  assert.equal(fired.length, 1);
  assert.equal(fired[0].repeat, false);
  assert.doesNotMatch(fired[0].alerts[0].annotations.description, /Profiled/);
  // the numbers move every second: no announcement for that
  say('Event loop blocked on node api-1: delay p99 170 ms.', 'loop||');
  assert.deepEqual(run(ev, [r], src, 1 * S, 5 * S), []);
  say('Event loop blocked on node api-1: delay p99 170 ms. Profiled on api-1: 62% of the time in renderInvoice (billing/invoice.js:88).', 'loop||cpu');
  const update = ev.evaluate([r], src, 6 * S);
  assert.equal(update.length, 1, 'announced again once the code is named');
  assert.equal(update[0].status, 'firing');
  assert.equal(update[0].repeat, true);
  assert.equal(update[0].alerts[0].fingerprint, fired[0].alerts[0].fingerprint, 'the same alert');
  assert.equal(update[0].alerts[0].activeAt, fired[0].alerts[0].activeAt);
  assert.match(update[0].alerts[0].annotations.description, /renderInvoice \(billing\/invoice\.js:88\)/);
  assert.deepEqual(run(ev, [r], src, 7 * S, 10 * S), [], 'once');
  // a finding whose words keep changing cannot storm
  let sent = 1;
  for (let i = 0; i < 10; i++) {
    say(`Event loop blocked. Likely a consequence of cause ${i}.`, `loop|cause-${i}|cpu`);
    sent += ev.evaluate([r], src, (11 + i) * S).length;
  }
  assert.equal(sent, MAX_REVISIONS);
});

test('a rule changed so that its alerts are others (a new label): the old alert resolves with its labels, the new one fires; a new threshold keeps it', () => {
  const ev = new Evaluator();
  const src = new TestSource();
  src.set('fleet', 'latency.p99', 0.5);
  const v1 = rule({ for: '0s', labels: { team: 'a' } }, 'r-edit');
  const fired = ev.evaluate([v1], src, 0);
  assert.equal(fired.length, 1);
  assert.equal(fired[0].alerts[0].labels.team, 'a');
  // the threshold moves: the same alert, nothing to announce
  const v2 = rule({ for: '0s', labels: { team: 'a' }, threshold: 0.3 }, 'r-edit');
  assert.deepEqual(ev.evaluate([v2], src, 1 * S), []);
  // a new label: the alert is another one
  const v3 = rule({ for: '0s', labels: { team: 'b' }, threshold: 0.3 }, 'r-edit');
  const out = ev.evaluate([v3], src, 2 * S);
  const resolved = out.find((n) => n.status === 'resolved');
  const firing = out.find((n) => n.status === 'firing');
  assert.ok(resolved && firing, JSON.stringify(out.map((n) => n.status)));
  assert.equal(resolved.alerts[0].labels.team, 'a');
  assert.equal(resolved.alerts[0].fingerprint, fired[0].alerts[0].fingerprint);
  assert.equal(firing.alerts[0].labels.team, 'b');
  assert.notEqual(firing.alerts[0].fingerprint, fired[0].alerts[0].fingerprint);
  assert.deepEqual(ev.alerts().map((a) => a.labels.team), ['b']);
});

// a route-scoped rps floor over a flood of 50,000 routes (each seen once, all at 0 req/s now) made 50,000 alerts: the
// first evaluation took 1.2 s of the event loop, each later one 40–100 ms, and every alert list read all of them
test('a rule holds at most maxAlertsPerRule alerts; the subjects beyond are counted and get one once others resolve', () => {
  const ev = new Evaluator({ resolveAfterMs: 2 * S, maxAlertsPerRule: 3 });
  const src = new TestSource();
  const r = rule({ scope: 'route', metric: 'rps', op: '<', threshold: 1 });
  const routes = (values: number[]) => values.map((value, i) => ({ labels: { route: `/r${i}`, method: 'GET', service: 'api' }, value }));
  src.set('route', 'rps', routes([0, 0, 0, 0, 0]));
  const first = ev.evaluate([r], src, 0);
  assert.deepEqual(first.map((n) => n.alerts.map((a) => a.labels.route)), [['/r0', '/r1', '/r2']]);
  assert.deepEqual([...ev.capped()], [[r.id, 2]]);
  // /r1 recovers: once its alert resolved, the next subject still over the threshold gets its place
  src.set('route', 'rps', routes([0, 5, 0, 0, 0]));
  const later = run(ev, [r], src, S, 4 * S);
  // (in the same evaluation: /r1 clear long enough comes before /r3 in the read)
  assert.deepEqual(later.map((n) => [n.status, n.alerts.map((a) => a.labels.route)]).sort(), [
    ['firing', ['/r3']],
    ['resolved', ['/r1']],
  ]);
  assert.deepEqual([...ev.capped()], [[r.id, 1]]);
  assert.equal(ev.alerts().length, 3);
  // under the cap again: nothing counted
  src.set('route', 'rps', routes([0, 5, 5, 5, 5]));
  run(ev, [r], src, 5 * S, 8 * S);
  assert.deepEqual([...ev.capped()], []);
  assert.deepEqual(ev.alerts().map((a) => a.labels.route), ['/r0']);
  // a deleted rule leaves no count behind
  src.set('route', 'rps', routes([0, 0, 0, 0, 0]));
  ev.evaluate([r], src, 9 * S);
  assert.equal(ev.capped().size, 1);
  ev.evaluate([], src, 10 * S);
  assert.equal(ev.capped().size, 0);
});
