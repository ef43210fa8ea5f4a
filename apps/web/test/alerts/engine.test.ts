// The engine end to end over a test metric source: SQLite store, payloads, real receivers, restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { Receiver, until } from './lib/receiver.js';
import { TestSource } from './lib/rules.js';
import { openEngine, tempDir } from './lib/engine.js';
import { verify } from '../../server/alerts/notify/sign.js';
import { ZERO_TIME } from '../../server/alerts/notify/payload/alertmanager-webhook.js';

const S = 1000;

test('firing then resolved reach an Alertmanager-format webhook and a Slack webhook, signed, in order', async () => {
  const tmp = tempDir();
  const am = await new Receiver().start();
  const slack = await new Receiver().start();
  const src = new TestSource();
  const { engine, close } = openEngine(join(tmp.dir, 'a.sqlite'), src);
  try {
    engine.queue.start();
    const rule = engine.createRule({
      name: 'Node event loop blocked',
      scope: 'node',
      metric: 'eventLoopDelay.p99',
      op: '>',
      threshold: 0.1,
      window: '10s',
      for: '2s',
      labels: { severity: 'page', team: 'core' },
      annotations: { summary: '{{ $labels.instance }} loop delay {{ $value }}', runbook_url: 'https://runbooks.example/loop' },
      targets: [
        { type: 'webhook', url: `${am.url}/am`, secret: 'am-secret', format: 'alertmanager' },
        { type: 'webhook', url: `${slack.url}/slack`, secret: 'slack-secret', format: 'slack' },
      ],
    });
    const t0 = Date.now();
    src.set('node', 'eventLoopDelay.p99', [
      { labels: { instance: 'i-1', service: 'api' }, value: 0.25 },
      { labels: { instance: 'i-2', service: 'api' }, value: 0.01 },
    ]);
    engine.tick(t0);
    engine.tick(t0 + S);
    assert.equal(am.received.length, 0, 'pending during `for`');
    assert.equal(engine.listAlerts().active[0].state, 'pending');
    engine.tick(t0 + 2 * S);
    await am.waitFor(1);
    await slack.waitFor(1);

    const fire = am.received[0];
    assert.equal(verify('am-secret', fire.raw, fire.headers['x-perf-timestamp'] as string, fire.headers['x-perf-signature'] as string), undefined);
    const b = fire.json;
    assert.equal(b.version, '4');
    assert.equal(b.status, 'firing');
    assert.equal(b.receiver, 'perf');
    assert.equal(b.externalURL, 'http://perf.test:3000');
    assert.match(b.groupKey, /alertname="Node event loop blocked"/);
    assert.deepEqual(b.groupLabels, { alertname: 'Node event loop blocked' });
    assert.deepEqual(b.commonLabels, { alertname: 'Node event loop blocked', severity: 'page', team: 'core', instance: 'i-1', service: 'api' });
    assert.equal(b.alerts.length, 1);
    const a = b.alerts[0];
    assert.equal(a.status, 'firing');
    assert.equal(a.annotations.summary, 'i-1 loop delay 250 ms');
    assert.equal(a.annotations.runbook_url, 'https://runbooks.example/loop');
    assert.equal(a.startsAt, new Date(t0).toISOString());
    assert.equal(a.endsAt, ZERO_TIME);
    assert.equal(a.generatorURL, `http://perf.test:3000/alerts?rule=${rule.id}`);
    assert.match(a.fingerprint, /^[0-9a-f]{16}$/);
    assert.deepEqual(b.commonAnnotations, a.annotations);

    const s = slack.received[0].json;
    assert.match(s.text, /FIRING: Node event loop blocked/);
    assert.match(s.text, /i-1 loop delay 250 ms/);
    assert.ok(Array.isArray(s.blocks) && s.blocks[0].type === 'header');
    // DESIGN.md: the slack format is the whole Alertmanager webhook body with `text` (and `blocks`) added
    const { text: _text, blocks: _blocks, ...amPart } = s;
    assert.deepEqual(amPart, b, 'every Alertmanager field, the same as the alertmanager-format target got');
    assert.equal(verify('slack-secret', slack.received[0].raw, slack.received[0].headers['x-perf-timestamp'] as string, slack.received[0].headers['x-perf-signature'] as string), undefined);

    src.set('node', 'eventLoopDelay.p99', [{ labels: { instance: 'i-1', service: 'api' }, value: 0.02 }]);
    engine.tick(t0 + 3 * S);
    await am.waitFor(2);
    await slack.waitFor(2);
    const res = am.received[1].json;
    assert.equal(res.status, 'resolved');
    assert.equal(res.alerts[0].status, 'resolved');
    assert.equal(res.alerts[0].fingerprint, a.fingerprint);
    assert.equal(res.alerts[0].endsAt, new Date(t0 + 3 * S).toISOString());
    assert.notEqual(am.received[1].headers['x-perf-delivery'], fire.headers['x-perf-delivery']);
    assert.match(slack.received[1].json.text, /RESOLVED: Node event loop blocked/);
    assert.equal(slack.received[1].json.status, 'resolved');
    assert.deepEqual(slack.received[1].json.alerts, res.alerts);

    const view = engine.listAlerts();
    assert.equal(view.active.length, 0);
    assert.equal(view.past.length, 1);
    const past = view.past[0];
    assert.equal(past.state, 'resolved');
    assert.equal(past.deliveries.length, 4);
    await until(() => engine.listAlerts().past[0].deliveries.every((d) => d.state === 'delivered'), 5000, 'deliveries recorded');
    const d = engine.listAlerts().past[0].deliveries;
    assert.deepEqual(d.map((x) => x.status), ['firing', 'firing', 'resolved', 'resolved']);
    assert.equal(d[0].history.length, 1);
    assert.equal(d[0].history[0].status, 200);
  } finally {
    await close();
    await am.stop();
    await slack.stop();
    tmp.cleanup();
  }
});

test('a resolved waits for its firing: while the firing is being retried, nothing overtakes it', async () => {
  const tmp = tempDir();
  const rx = await new Receiver().start();
  rx.script = [{ status: 503 }, { status: 503 }];
  const src = new TestSource();
  const { engine, close } = openEngine(join(tmp.dir, 'a.sqlite'), src);
  try {
    engine.queue.start();
    engine.createRule({ name: 'r', scope: 'fleet', metric: 'errorRate', op: '>', threshold: 0.01, targets: [{ type: 'webhook', url: rx.url, secret: 'x', format: 'alertmanager' }] });
    src.set('fleet', 'errorRate', 0.5);
    engine.tick(Date.now());
    src.set('fleet', 'errorRate', 0);
    engine.tick(Date.now() + S);
    await rx.waitFor(4);
    assert.deepEqual(rx.received.map((r) => r.json.status), ['firing', 'firing', 'firing', 'resolved']);
  } finally {
    await close();
    await rx.stop();
    tmp.cleanup();
  }
});

test('a restart resumes a pending delivery: it arrives after the restart, once, with the same X-Perf-Delivery', async () => {
  const tmp = tempDir();
  const file = join(tmp.dir, 'a.sqlite');
  const rx = await new Receiver().start();
  const port = rx.port;
  await rx.stop(); // receiver down
  const src = new TestSource();
  src.set('fleet', 'latency.p99', 2);
  const first = openEngine(file, src);
  first.engine.queue.start();
  first.engine.createRule({ name: 'p99', scope: 'fleet', metric: 'latency.p99', op: '>', threshold: 0.5, targets: [{ type: 'webhook', url: `http://127.0.0.1:${port}/`, secret: 'x', format: 'alertmanager' }] });
  first.engine.tick(Date.now());
  await until(() => first.engine.listAlerts().active[0]?.deliveries[0]?.attempts >= 1, 5000, 'a failed attempt');
  const before = first.engine.listAlerts().active[0].deliveries[0];
  assert.equal(before.state, 'pending');
  assert.match(before.lastError!, /ECONNREFUSED/);
  await first.close();

  await rx.start(port);
  const second = openEngine(file, src);
  try {
    second.engine.queue.start();
    await rx.waitFor(1);
    assert.equal(rx.received[0].headers['x-perf-delivery'], before.id);
    // the firing alert was restored: evaluating again does not announce it a second time
    second.engine.tick(Date.now());
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(rx.received.length, 1);
    const after = second.engine.listAlerts().active[0];
    assert.equal(after.state, 'firing');
    assert.equal(after.deliveries[0].state, 'delivered');
    assert.ok(after.deliveries[0].history.length >= 2, 'failed attempts before the restart are kept in the history');
  } finally {
    await second.close();
    await rx.stop();
    tmp.cleanup();
  }
});

test('a 400 from the receiver is recorded as a failed delivery with the reason, not retried', async () => {
  const tmp = tempDir();
  const rx = await new Receiver().start();
  rx.fallback = { status: 400, body: 'bad payload' };
  const src = new TestSource();
  const { engine, close } = openEngine(join(tmp.dir, 'a.sqlite'), src);
  try {
    engine.queue.start();
    engine.createRule({ name: 'rps floor', scope: 'fleet', metric: 'rps', op: '<', threshold: 10, targets: [{ type: 'webhook', url: rx.url, secret: 'x', format: 'alertmanager' }] });
    src.set('fleet', 'rps', 1);
    engine.tick(Date.now());
    await until(() => engine.listAlerts().active[0]?.deliveries[0]?.state === 'failed', 5000, 'failed delivery');
    const d = engine.listAlerts().active[0].deliveries[0];
    assert.equal(d.lastStatus, 400);
    assert.match(d.lastError!, /HTTP 400: bad payload/);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(rx.received.length, 1);
  } finally {
    await close();
    await rx.stop();
    tmp.cleanup();
  }
});

// alerts audit: a finding alert announced again MAX_REVISIONS times sent a 4th after a restart (restore reset the count)
test('a restart does not renew the limit on a firing alert’s revisions: MAX_REVISIONS in all, across the restart', async () => {
  const { MAX_REVISIONS } = await import('../../server/alerts/engine/evaluator.js');
  const tmp = tempDir();
  const file = join(tmp.dir, 'a.sqlite');
  const src = new TestSource();
  const say = (i: number) => src.set('fleet', 'finding', [{ labels: {}, value: 1, detail: `Event loop blocked. Cause ${i}.`, revision: `loop|cause-${i}` }]);
  const target = { type: 'webhook', url: 'http://127.0.0.1:9/', secret: 'x', format: 'alertmanager' };
  const first = openEngine(file, src);
  let sent = 0;
  let t = Date.now();
  try {
    first.engine.createRule({ name: 'blocked', scope: 'fleet', metric: 'finding', finding: 'event-loop-blocked', targets: [target] });
    say(0);
    sent += first.engine.tick((t += 1000)).length;
    say(1);
    sent += first.engine.tick((t += 1000)).length;
    assert.equal(sent, 2, 'the firing and one revision');
  } finally {
    await first.close();
  }
  const second = openEngine(file, src);
  try {
    for (let i = 2; i < 12; i++) {
      say(i);
      sent += second.engine.tick((t += 1000)).length;
    }
    assert.equal(sent, 1 + MAX_REVISIONS, 'the firing and MAX_REVISIONS revisions in all');
  } finally {
    await second.close();
    tmp.cleanup();
  }
});

test('the alerts list names the rules at their cap of alerts and how many more subjects were over the threshold', async () => {
  const tmp = tempDir();
  const src = new TestSource();
  const { engine, close } = openEngine(join(tmp.dir, 'a.sqlite'), src, { evaluator: { maxAlertsPerRule: 2 } });
  try {
    const rule = engine.createRule({ name: 'Route traffic floor', scope: 'route', metric: 'rps', op: '<', threshold: 1, window: '10s', for: '0s', targets: [] });
    src.set('route', 'rps', Array.from({ length: 5 }, (_, i) => ({ labels: { route: `/r${i}`, method: 'GET', service: 'api' }, value: 0 })));
    engine.tick(Date.now());
    const list = engine.listAlerts();
    assert.equal(list.active.length, 2);
    assert.deepEqual(list.capped, [{ ruleId: rule.id, ruleName: 'Route traffic floor', over: 3 }]);
  } finally {
    await close();
    tmp.cleanup();
  }
});

// outside audit AB2: with the alerts file's disk full, the evaluator moved an alert to firing, recording it failed, and
// its notification was gone: 50 nodeDown alerts firing with no delivery, none sent once there was room. Here SQLite
// refuses every write (query_only), as it does on a full disk or a read-only file.
test('the alerts file cannot be written (a full disk): a firing is held, and recorded and sent once it can be, then its resolved', async () => {
  const tmp = tempDir();
  const rx = await new Receiver().start();
  const src = new TestSource();
  const { engine, db, close } = openEngine(join(tmp.dir, 'a.sqlite'), src);
  try {
    engine.queue.start();
    engine.createRule({ name: 'r', scope: 'fleet', metric: 'errorRate', op: '>', threshold: 0.01, targets: [{ type: 'webhook', url: rx.url, secret: 'x', format: 'alertmanager' }] });
    // the file cannot be written (as on a full disk; query_only makes SQLite refuse every write)
    db.pragma('query_only = ON');
    src.set('fleet', 'errorRate', 0.5);
    const t0 = Date.now();
    for (let k = 0; k < 3; k++) engine.tick(t0 + k * S);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(rx.received.length, 0, 'nothing recorded, nothing sent');
    db.pragma('query_only = OFF');
    engine.tick(t0 + 3 * S);
    await rx.waitFor(1);
    assert.equal(rx.received[0].json.status, 'firing');
    src.set('fleet', 'errorRate', 0);
    engine.tick(t0 + 4 * S);
    await rx.waitFor(2);
    assert.deepEqual(rx.received.map((r) => r.json.status), ['firing', 'resolved']);
  } finally {
    await close();
    await rx.stop();
    tmp.cleanup();
  }
});

// outside audit AB: a deleted perf.db was said, a deleted alerts.sqlite was not; SQLite goes on writing to the unlinked
// file, and the next start found no rule made through the API, no alert history, no pending delivery
for (const how of ['deleted', 'replaced'] as const) {
  test(`the alerts file ${how} while the dashboard runs is said once and kept for the status (alerts.fileGone); the engine goes on`, async () => {
    const tmp = tempDir();
    const src = new TestSource();
    const file = join(tmp.dir, 'alerts.sqlite');
    const logged: string[] = [];
    const { engine, close } = openEngine(file, src, { log: (level, message) => logged.push(`${level}: ${message}`) });
    try {
      engine.createRule({ name: 'r', scope: 'fleet', metric: 'errorRate', op: '>', threshold: 0.01, targets: [] });
      const t0 = Date.now();
      engine.tick(t0);
      assert.equal(engine.fileGone, undefined);
      if (how === 'deleted') rmSync(file);
      else {
        renameSync(file, file + '.old');
        writeFileSync(file, '');
      }
      src.set('fleet', 'errorRate', 0.5);
      for (let k = 1; k <= 3; k++) engine.tick(t0 + k * S);
      const gone = engine.fileGone as { message: string; since: number } | undefined;
      assert.ok(gone?.message.includes(file), `said: ${gone?.message}`);
      assert.equal(gone?.since, t0 + S);
      assert.equal(logged.filter((l) => l.startsWith('error: ') && l.includes('deleted or replaced')).length, 1, logged.join('\n'));
      assert.equal(engine.firingCount(), 1, 'evaluation goes on');
    } finally {
      await close();
      tmp.cleanup();
    }
  });
}
