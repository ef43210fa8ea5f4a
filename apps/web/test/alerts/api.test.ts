// The alerts API handler over an engine on a real SQLite file, and rules loaded from a YAML/JSON file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { handleAlertsApi, isAlertsPath } from '../../server/alerts/api.js';
import { REDACTED } from '../../server/alerts/engine/engine.js';
import { parseRulesFile, fileRuleId } from '../../server/alerts/rules/file.js';
import { AlertError } from '../../server/alerts/errors.js';
import { TestSource } from './lib/rules.js';
import { openEngine, tempDir } from './lib/engine.js';
import { Receiver, until } from './lib/receiver.js';

const q = new URLSearchParams();
const rule = {
  name: 'Fleet p99',
  scope: 'fleet',
  metric: 'latency.p99',
  op: '>',
  threshold: 0.2,
  window: '30s',
  for: '1m',
  targets: [{ type: 'webhook', url: 'https://hooks.example.com/x', secret: 'hunter2', format: 'alertmanager' }],
};

test('rules CRUD: POST → 201 with id, GET hides secrets, PUT keeps a redacted secret, DELETE → 204', () => {
  const tmp = tempDir();
  const { engine, db } = openEngine(join(tmp.dir, 'a.sqlite'), new TestSource());
  try {
    assert.equal(isAlertsPath('/api/v1/alerts'), true);
    assert.equal(isAlertsPath('/api/v1/alerts/rules/abc'), true);
    assert.equal(isAlertsPath('/api/v1/fleet'), false);
    const created = handleAlertsApi(engine, 'POST', '/api/v1/alerts/rules', q, JSON.stringify(rule))!;
    assert.equal(created.status, 201);
    const id = (created.body as any).id as string;
    assert.match(id, /^rule-[0-9a-f]{12}$/);
    assert.equal((created.body as any).targets[0].secret, REDACTED);

    const list = handleAlertsApi(engine, 'GET', '/api/v1/alerts/rules', q)!;
    assert.equal((list.body as any[]).length, 1);
    const one = handleAlertsApi(engine, 'GET', `/api/v1/alerts/rules/${id}`, q)!.body as any;
    assert.equal(one.name, 'Fleet p99');
    assert.equal(one.source, 'api');

    // the UI sends back what it got, with a change
    const put = handleAlertsApi(engine, 'PUT', `/api/v1/alerts/rules/${id}`, q, JSON.stringify({ ...one, threshold: 0.3 }))!;
    assert.equal(put.status, 200);
    assert.equal((put.body as any).threshold, 0.3);
    const stored = db.prepare('SELECT spec FROM alert_rules WHERE id = ?').get(id) as { spec: string };
    assert.equal(JSON.parse(stored.spec).targets[0].secret, 'hunter2', 'the secret survives a round trip through the redacted GET');

    const byQuery = handleAlertsApi(engine, 'PUT', '/api/v1/alerts/rules', new URLSearchParams({ id }), JSON.stringify({ ...one, threshold: 0.4 }))!;
    assert.equal((byQuery.body as any).threshold, 0.4);

    // the webhook's URL changes, the secret comes back as the placeholder: the secret is kept, never the placeholder
    const moved = handleAlertsApi(engine, 'PUT', `/api/v1/alerts/rules/${id}`, q, JSON.stringify({ ...one, targets: [{ ...one.targets[0], url: 'https://hooks.example.com/moved' }] }))!;
    assert.equal(moved.status, 200);
    const movedSpec = JSON.parse((db.prepare('SELECT spec FROM alert_rules WHERE id = ?').get(id) as { spec: string }).spec);
    assert.deepEqual([movedSpec.targets[0].url, movedSpec.targets[0].secret], ['https://hooks.example.com/moved', 'hunter2']);
    // a new webhook that sends the placeholder has no secret to keep: refused, not stored as the secret
    const extra = handleAlertsApi(engine, 'PUT', `/api/v1/alerts/rules/${id}`, q, JSON.stringify({ ...one, targets: [one.targets[0], { type: 'webhook', url: 'https://other.example.com/x', secret: REDACTED }] }))!;
    assert.equal(extra.status, 400);
    assert.equal((extra.body as any).error.field, 'targets[1].secret');

    assert.equal(handleAlertsApi(engine, 'DELETE', `/api/v1/alerts/rules/${id}`, q)!.status, 204);
    assert.equal(handleAlertsApi(engine, 'GET', `/api/v1/alerts/rules/${id}`, q)!.status, 404);
  } finally {
    db.close();
    tmp.cleanup();
  }
});

// alerts audit: target URLs with credentials were shown in clear by GET /alerts/rules and in each delivery's target
test('credentials in target URLs are hidden from the API and survive a GET → PUT round trip; the placeholder is never sent', () => {
  const tmp = tempDir();
  const { engine, db } = openEngine(join(tmp.dir, 'a.sqlite'), new TestSource());
  const spec = () => JSON.parse((db.prepare('SELECT spec FROM alert_rules').get() as { spec: string }).spec);
  try {
    const urls = ['https://bot:pa55word@hooks.example.com/x', 'https://hooks.slack.com/services/T000/B000/XXXXsecretXXXX', 'https://hooks.example.com/in?api_key=k3y&team=ops'];
    const created = handleAlertsApi(engine, 'POST', '/api/v1/alerts/rules', q, JSON.stringify({ ...rule, targets: urls.map((url) => ({ type: 'webhook', url, secret: 's', format: 'alertmanager' })).concat([{ type: 'alertmanager', url: 'https://am:am-pw@am.example.com' } as never]) }))!;
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = (created.body as any).id as string;
    const shown = (handleAlertsApi(engine, 'GET', `/api/v1/alerts/rules/${id}`, q)!.body as any).targets.map((t: { url: string }) => t.url);
    assert.deepEqual(shown, [
      'https://bot:********@hooks.example.com/x',
      'https://hooks.slack.com/services/T000/B000/********',
      'https://hooks.example.com/in?api_key=********&team=ops',
      'https://am:********@am.example.com/',
    ]);
    assert.ok(!JSON.stringify(handleAlertsApi(engine, 'GET', '/api/v1/alerts/rules', q)!.body).match(/pa55word|XXXXsecretXXXX|k3y|am-pw/), 'no credential in the list');
    // the UI sends back what it got: the stored URLs stay
    const one = handleAlertsApi(engine, 'GET', `/api/v1/alerts/rules/${id}`, q)!.body as any;
    const put = handleAlertsApi(engine, 'PUT', `/api/v1/alerts/rules/${id}`, q, JSON.stringify({ ...one, threshold: 0.5 }))!;
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.deepEqual(spec().targets.map((t: { url: string }) => t.url), [...urls, 'https://am:am-pw@am.example.com']);
    // a hidden URL that stands for none of the rule's: refused, never stored or sent with the placeholder
    const other = handleAlertsApi(engine, 'PUT', `/api/v1/alerts/rules/${id}`, q, JSON.stringify({ ...one, targets: [{ ...one.targets[0], url: 'https://bot:********@elsewhere.example.com/x' }] }))!;
    assert.equal(other.status, 400);
    assert.equal((other.body as any).error.field, 'targets[0].url');
    const posted = handleAlertsApi(engine, 'POST', '/api/v1/alerts/rules', q, JSON.stringify({ ...rule, name: 'copy', targets: one.targets.slice(0, 1) }))!;
    assert.equal(posted.status, 400);
    assert.equal((posted.body as any).error.field, 'targets[0].url');
  } finally {
    db.close();
    tmp.cleanup();
  }
});

test('bad input: 400 naming the field and the reason; 404, 405, 409 with codes', () => {
  const tmp = tempDir();
  const { engine, db } = openEngine(join(tmp.dir, 'a.sqlite'), new TestSource());
  try {
    const bad = handleAlertsApi(engine, 'POST', '/api/v1/alerts/rules', q, JSON.stringify({ ...rule, threshold: 'high' }))!;
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body, { error: { code: 'RULE_INVALID', message: 'threshold must be a finite number', field: 'threshold' } });
    const url = handleAlertsApi(engine, 'POST', '/api/v1/alerts/rules', q, JSON.stringify({ ...rule, targets: [{ type: 'webhook', url: 'gopher://x', secret: 's' }] }))!;
    assert.equal((url.body as any).error.field, 'targets[0].url');
    const notJson = handleAlertsApi(engine, 'POST', '/api/v1/alerts/rules', q, '{"name":')!;
    assert.equal(notJson.status, 400);
    assert.match((notJson.body as any).error.message, /not valid JSON/);
    assert.equal(handleAlertsApi(engine, 'POST', '/api/v1/alerts/rules', q, '')!.status, 400);

    assert.equal(handleAlertsApi(engine, 'POST', '/api/v1/alerts/rules', q, JSON.stringify(rule))!.status, 201);
    const dup = handleAlertsApi(engine, 'POST', '/api/v1/alerts/rules', q, JSON.stringify(rule))!;
    assert.equal(dup.status, 409);
    assert.equal((dup.body as any).error.code, 'RULE_NAME_TAKEN');
    const missing = handleAlertsApi(engine, 'PUT', '/api/v1/alerts/rules/nope', q, JSON.stringify(rule))!;
    assert.equal(missing.status, 404);
    assert.equal((missing.body as any).error.code, 'RULE_NOT_FOUND');
    assert.equal(handleAlertsApi(engine, 'PATCH', '/api/v1/alerts/rules', q)!.status, 405);
    assert.equal(handleAlertsApi(engine, 'DELETE', '/api/v1/alerts', q)!.status, 405);
    assert.equal(handleAlertsApi(engine, 'GET', '/api/v1/other', q), undefined);
  } finally {
    db.close();
    tmp.cleanup();
  }
});

test('PERF_ALERT_RULES_FILE: YAML rules load with stable ids, are read-only through the API, and reload on change', async () => {
  const tmp = tempDir();
  const file = join(tmp.dir, 'rules.yaml');
  writeFileSync(
    file,
    `rules:
  - name: Any node down
    scope: node
    metric: nodeDown
    window: 15s
    labels: { severity: page }
    targets:
      - { type: alertmanager, url: "http://alertmanager.example:9093" }
  - name: Slow checkout
    scope: route
    metric: latency.p99
    op: ">"
    threshold: 0.5
    for: 30s
`,
  );
  const first = openEngine(join(tmp.dir, 'a.sqlite'), new TestSource(), { rulesFile: file });
  try {
    const rules = first.engine.listRules();
    assert.deepEqual(rules.map((r) => [r.name, r.source]), [['Any node down', 'file'], ['Slow checkout', 'file']]);
    assert.equal(rules[0].id, fileRuleId('Any node down'));
    const put = handleAlertsApi(first.engine, 'PUT', `/api/v1/alerts/rules/${rules[0].id}`, q, JSON.stringify(rule))!;
    assert.equal(put.status, 409);
    assert.equal((put.body as any).error.code, 'RULE_READONLY');
    assert.equal(handleAlertsApi(first.engine, 'DELETE', `/api/v1/alerts/rules/${rules[0].id}`, q)!.status, 409);

    first.engine.start();
    writeFileSync(file, JSON.stringify({ rules: [{ name: 'Slow checkout', scope: 'route', metric: 'latency.p99', op: '>', threshold: 0.8 }] }));
    await until(() => first.engine.listRules().length === 1, 10_000, 'reload');
    assert.equal(first.engine.listRules()[0].threshold, 0.8);
    assert.equal(first.engine.listRules()[0].id, fileRuleId('Slow checkout'), 'same name, same id');
    // a broken edit keeps the previous rules
    writeFileSync(file, 'rules: [ { name: x, scope: galaxy } ]');
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal(first.engine.listRules()[0].threshold, 0.8);
  } finally {
    await first.close();
    tmp.cleanup();
  }
});

test('rules file errors name the file, the entry and the field', () => {
  const err = (text: string, path = 'rules.yaml') => {
    try {
      parseRulesFile(text, path);
    } catch (e) {
      assert.ok(e instanceof AlertError);
      assert.equal(e.code, 'RULES_FILE_INVALID');
      return e;
    }
    assert.fail('accepted');
  };
  assert.match(err('- name: a\n  scope: fleet\n  metric: rps\n  op: "<"\n  threshold: 1\n- name: b\n  scope: fleet\n  metric: rps\n  op: "<"\n').message, /^rules\.yaml: rules\[1\]\.threshold is required/);
  assert.equal(err('[{"name":"a","scope":"node","metric":"nodeDown"},{"name":"a","scope":"node","metric":"nodeDown"}]', 'r.json').field, 'rules[1].name');
  assert.match(err('{ rules: [', 'r.yaml').message, /cannot be parsed as YAML/);
  // one line, for the log and /status (the YAML library's message ends in a multi-line excerpt)
  assert.doesNotMatch(err('rules:\n  - name: x\n    scope: [fleet\n', 'r.yaml').message, /\n/);
  assert.match(err('{"rules": 1}', 'r.json').message, /list of rules/);
  assert.deepEqual(parseRulesFile('', 'empty.yaml'), []);
  const withEnv = parseRulesFile('- { name: a, scope: node, metric: nodeDown, targets: [{ type: webhook, url: "https://h.example/x", secret: "${HOOK_SECRET}" }] }', 'r.yaml', { env: { HOOK_SECRET: 'from-env' } });
  assert.equal((withEnv[0].spec.targets[0] as { secret: string }).secret, 'from-env');
  const unset = err('- { name: a, scope: node, metric: nodeDown, targets: [{ type: webhook, url: "https://h.example/x", secret: "${NOPE_NOT_SET}" }] }');
  assert.equal(unset.field, 'rules[0].targets[0].secret');
  assert.match(unset.message, /NOPE_NOT_SET.*not set/);
});

test('a bad rules file at startup does not stop the engine: none of it loads, rulesFileStatus() names the field, a restart keeps the last valid version', async () => {
  const tmp = tempDir();
  const file = join(tmp.dir, 'rules.yaml');
  const db = join(tmp.dir, 'a.sqlite');
  const entry0 = '- { name: Any node down, scope: node, metric: nodeDown }\n';
  writeFileSync(file, `${entry0}- { name: Slow, scope: fleet, metric: latency.p99, op: ">", threshold: 0.5, window: 5 minutes }\n`);
  const logs: string[] = [];
  const log = (level: string, m: string) => logs.push(`${level} ${m}`);
  const first = openEngine(db, new TestSource(), { rulesFile: file, log });
  try {
    assert.deepEqual(first.engine.listRules(), [], 'not even the valid rules[0]: a file loads whole or not at all');
    const st = first.engine.rulesFileStatus()!;
    assert.deepEqual({ ...st, error: { ...st.error, at: 0 } }, {
      path: file,
      rules: 0,
      loadedAt: null,
      error: { code: 'RULES_FILE_INVALID', message: `${file}: rules[1].window must be a duration such as "30s", "1m" or "5m"`, field: 'rules[1].window', at: 0 },
    });
    assert.deepEqual(logs, [`error ${file}: rules[1].window must be a duration such as "30s", "1m" or "5m" — none of its rules are loaded; API rules are evaluated as usual, and the file is read again when it changes`]);
    assert.equal(handleAlertsApi(first.engine, 'POST', '/api/v1/alerts/rules', q, JSON.stringify(rule))!.status, 201, 'API rules work');
    assert.equal((handleAlertsApi(first.engine, 'GET', '/api/v1/alerts', q)!.body as any).rulesFile.error.field, 'rules[1].window');

    first.engine.start();
    writeFileSync(file, `${entry0}- { name: Slow, scope: fleet, metric: latency.p99, op: ">", threshold: 0.5, window: 5m }\n`);
    await until(() => first.engine.rulesFileStatus()!.error === null, 10_000, 'the fixed file');
    assert.equal(first.engine.rulesFileStatus()!.rules, 2);
    assert.equal(typeof first.engine.rulesFileStatus()!.loadedAt, 'number');
    assert.equal(first.engine.listRules().length, 3);
  } finally {
    await first.close();
  }

  // broken while the dashboard was down: at startup, as on a reload, the last valid version stays in effect
  writeFileSync(file, 'rules: [ { name: x, scope: galaxy } ]');
  logs.length = 0;
  const second = openEngine(db, new TestSource(), { rulesFile: file, log });
  try {
    const st = second.engine.rulesFileStatus()!;
    assert.equal(st.error?.field, 'rules[0].scope');
    assert.equal(st.rules, 2);
    assert.equal(st.loadedAt, null);
    assert.deepEqual(second.engine.listRules().map((r) => r.name).sort(), ['Any node down', 'Fleet p99', 'Slow']);
    assert.match(logs.join('\n'), /keeping the 2 rules of its last valid version/);
    // a file rule named like an API rule: the entry and its name are named
    writeFileSync(file, '- { name: Fleet p99, scope: node, metric: nodeDown }\n');
    second.engine.start();
    await until(() => second.engine.rulesFileStatus()!.error?.field === 'rules[0].name', 10_000, 'the name clash');
    assert.match(second.engine.rulesFileStatus()!.error!.message, /rules\[0\]\.name "Fleet p99" is the name of API rule rule-/);
  } finally {
    await second.close();
    tmp.cleanup();
  }
});

// outside audit AB3: two file rules firing; the dashboard stopped; one removed from the file and the other given a
// label; started again: the removed rule's alert vanished without a resolved, the changed one kept its old labels
test('a rules file edited while the dashboard is stopped: a removed rule\'s alert is resolved, a relabelled one resolved and fired anew', async () => {
  const tmp = tempDir();
  const rx = await new Receiver().start();
  const file = join(tmp.dir, 'rules.json');
  const rule = (name: string, labels?: Record<string, string>) => ({ name, scope: 'fleet', metric: 'errorRate', op: '>', threshold: 0.01, ...(labels ? { labels } : {}), targets: [{ type: 'webhook', url: rx.url, secret: 'x', format: 'alertmanager' }] });
  writeFileSync(file, JSON.stringify({ rules: [rule('gone'), rule('relabelled')] }));
  const src = new TestSource();
  src.set('fleet', 'errorRate', 0.5);
  const db = join(tmp.dir, 'a.sqlite');
  const first = openEngine(db, src, { rulesFile: file });
  try {
    first.engine.queue.start();
    first.engine.tick(Date.now());
    await rx.waitFor(2);
  } finally {
    await first.close();
  }
  writeFileSync(file, JSON.stringify({ rules: [rule('relabelled', { severity: 'page' })] }));
  const second = openEngine(db, src, { rulesFile: file });
  try {
    second.engine.queue.start();
    second.engine.tick(Date.now() + 1000);
    await rx.waitFor(5);
    const seen = rx.received.slice(2).map((r) => `${r.json.commonLabels.alertname} ${r.json.status} ${r.json.commonLabels.severity ?? '-'}`).sort();
    assert.deepEqual(seen, ['gone resolved -', 'relabelled firing page', 'relabelled resolved -']);
    const active = second.engine.listAlerts().active.map((a) => `${a.labels.alertname} ${a.state} ${a.labels.severity ?? '-'}`);
    assert.deepEqual(active, ['relabelled firing page']);
  } finally {
    await second.close();
    await rx.stop();
    tmp.cleanup();
  }
});
