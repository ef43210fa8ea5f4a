import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateRule } from '../../server/alerts/rules/validate.js';
import { AlertError } from '../../server/alerts/errors.js';

const good = {
  name: 'Fleet p99 high',
  scope: 'fleet',
  metric: 'latency.p99',
  op: '>',
  threshold: 0.2,
  window: '30s',
  for: '1m',
  labels: { severity: 'page' },
  annotations: { summary: 'p99 {{ $value }}', runbook_url: 'https://runbooks.example/p99' },
  targets: [
    { type: 'webhook', url: 'https://hooks.example.com/perf', secret: 's3cret', format: 'alertmanager' },
    { type: 'alertmanager', url: 'http://alertmanager:9093' },
  ],
};

function badField(patch: Record<string, unknown>, opts = {}): { field?: string; message: string } {
  try {
    validateRule({ ...good, ...patch }, opts);
  } catch (e) {
    assert.ok(e instanceof AlertError, String(e));
    assert.equal(e.code, 'RULE_INVALID');
    assert.equal(e.status, 400);
    return { field: e.field, message: e.message };
  }
  assert.fail(`accepted ${JSON.stringify(patch)}`);
}

test('a complete rule passes and keeps its fields', () => {
  const r = validateRule(good);
  assert.equal(r.name, 'Fleet p99 high');
  assert.equal(r.threshold, 0.2);
  assert.equal(r.targets.length, 2);
  assert.equal(r.enabled, true);
});

test('defaults: window 30s, for 0s, no labels, annotations or targets; presence metrics need no op/threshold', () => {
  const r = validateRule({ name: 'n', scope: 'node', metric: 'nodeDown' });
  assert.equal(r.window, '30s');
  assert.equal(r.for, '0s');
  assert.equal(r.op, '>');
  assert.equal(r.threshold, 0);
  assert.deepEqual(r.targets, []);
  const f = validateRule({ name: 'f', scope: 'route', metric: 'finding', finding: 'hot-route' });
  assert.equal(f.finding, 'hot-route');
  assert.equal(f.consequences, undefined, 'consequences count unless the rule says otherwise');
  const roots = validateRule({ name: 'r', scope: 'fleet', metric: 'finding', finding: 'any', consequences: false });
  assert.deepEqual([roots.finding, roots.consequences], ['any', false]);
  assert.equal(validateRule({ name: 'r', scope: 'fleet', metric: 'finding', finding: 'any', consequences: true }).consequences, undefined);
});

const cases: [string, Record<string, unknown>, string, RegExp][] = [
  ['missing name', { name: undefined }, 'name', /required/],
  ['empty name', { name: '  ' }, 'name', /required/],
  ['bad scope', { scope: 'cluster' }, 'scope', /fleet.*node.*route/],
  ['bad metric', { metric: 'latency.p95' }, 'metric', /must be one of/],
  ['metric not at scope', { scope: 'route', metric: 'elu' }, 'scope', /no elu/],
  ['nodeDown on a route', { scope: 'route', metric: 'nodeDown' }, 'scope', /nodeDown/],
  ['finding without kind', { metric: 'finding' }, 'finding', /required/],
  ['finding kind on another metric', { finding: 'x' }, 'finding', /only allowed/],
  ['unknown finding kind', { scope: 'fleet', metric: 'finding', finding: 'no-such-kind' }, 'finding', /must be one of "event-loop-blocked", .*"hot-route", "requests-abandoned", "requests-stuck", or "any" \(got "no-such-kind"\)/],
  ['consequences on another metric', { consequences: false }, 'consequences', /only allowed/],
  ['consequences not a boolean', { metric: 'finding', finding: 'any', scope: 'fleet', consequences: 'no' }, 'consequences', /true or false/],
  ['bad op', { op: '>=' }, 'op', /">" or "<"/],
  ['missing op', { op: undefined }, 'op', /required/],
  ['threshold as string', { threshold: '200ms' }, 'threshold', /finite number/],
  ['missing threshold', { threshold: undefined }, 'threshold', /required/],
  ['negative threshold', { threshold: -1 }, 'threshold', /negative/],
  ['error rate as percent', { metric: 'errorRate', threshold: 5 }, 'threshold', /1% is 0.01/],
  ['latency in ms', { threshold: 200_000 }, 'threshold', /seconds/],
  ['window not a duration', { window: '30' }, 'window', /duration/],
  ['window too short', { window: '100ms' }, 'window', /between 1s and 1h/],
  ['for not a duration', { for: 'soon' }, 'for', /duration/],
  ['label with a bad name', { labels: { 'team-name': 'x' } }, 'labels.team-name', /label name/],
  ['reserved label', { labels: { alertname: 'x' } }, 'labels.alertname', /set by perf/],
  ['label value not a string', { labels: { severity: 1 } }, 'labels.severity', /string/],
  ['annotations not an object', { annotations: 'x' }, 'annotations', /object/],
  ['targets not an array', { targets: {} }, 'targets', /array/],
  ['target without type', { targets: [{ url: 'https://x.example' }] }, 'targets[0].type', /webhook.*alertmanager/],
  ['unknown target type with a bad url', { targets: [{ type: 'email', url: 'x' }] }, 'targets[0].type', /must be "webhook" or "alertmanager" \(got "email"\)/],
  ['webhook without secret', { targets: [{ type: 'webhook', url: 'https://x.example', format: 'slack' }] }, 'targets[0].secret', /required/],
  ['webhook bad format', { targets: [{ type: 'webhook', url: 'https://x.example', secret: 's', format: 'teams' }] }, 'targets[0].format', /alertmanager.*slack/],
  ['non-http url', { targets: [{ type: 'alertmanager', url: 'ftp://x.example' }] }, 'targets[0].url', /http or https/],
  ['file url', { targets: [{ type: 'webhook', url: 'file:///etc/passwd', secret: 's' }] }, 'targets[0].url', /http or https/],
  ['not a url', { targets: [{ type: 'alertmanager', url: 'alertmanager:9093' }] }, 'targets[0].url', /http|valid URL/],
  ['unknown target field', { targets: [{ type: 'alertmanager', url: 'http://a.example', secret: 'x' }] }, 'targets[0].secret', /not a field/],
  ['typo in a field name', { treshold: 1 }, 'treshold', /not a rule field/],
  ['enabled not boolean', { enabled: 'yes' }, 'enabled', /true or false/],
];

for (const [what, patch, field, reason] of cases) {
  test(`400 names the field: ${what}`, () => {
    const e = badField(patch);
    assert.equal(e.field, field);
    assert.match(e.message, reason);
    assert.ok(e.message.startsWith(field), `message "${e.message}" starts with the field`);
  });
}

test('not an object', () => {
  assert.throws(() => validateRule([1]), (e: AlertError) => e.code === 'RULE_INVALID' && /JSON object/.test(e.message));
});

test('read-only fields from a GET may be sent back', () => {
  const r = validateRule({ ...good, id: 'rule-1', source: 'api', createdAt: 'x', updatedAt: 'y', windowMs: 1, forMs: 2 });
  assert.equal(r.name, good.name);
});

test('PERF_ALERTS_BLOCK_PRIVATE refuses loopback, private and link-local targets, allows public ones', () => {
  const opts = { blockPrivate: true };
  // security audit: NAT64, IPv4-compatible, 6to4 and site-local forms of internal addresses were accepted
  for (const url of ['http://127.0.0.1:9093', 'http://localhost/x', 'http://10.1.2.3/', 'http://192.168.1.1/', 'http://169.254.169.254/latest', 'http://[::1]:80/', 'http://[fe80::1]/', 'http://[::ffff:10.0.0.1]/', 'http://[64:ff9b::7f00:1]:4306/', 'http://[64:ff9b::169.254.169.254]/', 'http://[::127.0.0.1]/', 'http://[fec0::1]/', 'http://[2002:7f00:1::]/', 'http://[::ffff:0:7f00:1]/']) {
    const e = badField({ targets: [{ type: 'alertmanager', url }] }, opts);
    assert.equal(e.field, 'targets[0].url', url);
    assert.match(e.message, /PERF_ALERTS_BLOCK_PRIVATE/);
  }
  assert.doesNotThrow(() => validateRule({ ...good, targets: [{ type: 'alertmanager', url: 'http://93.184.216.34:9093' }] }, opts));
  assert.doesNotThrow(() => validateRule({ ...good, targets: [{ type: 'alertmanager', url: 'http://127.0.0.1:9093' }] }));
});

test('annotation names as Alertmanager takes them, no empty labels, no __ names (each was saved, then refused by Alertmanager or lost)', () => {
  assert.equal(badField({ annotations: { 'see also': 'x' } }).field, 'annotations.see also');
  assert.match(badField({ annotations: { 'see also': 'x' } }).message, /not a valid annotation name/);
  assert.equal(badField({ labels: { team: '' } }).field, 'labels.team');
  assert.match(badField({ labels: { team: '' } }).message, /Alertmanager drops empty labels/);
  assert.equal(badField({ labels: JSON.parse('{"__proto__": "x"}') }).field, 'labels.__proto__');
  assert.equal(badField({ annotations: { __meta: 'x' } }).field, 'annotations.__meta');
});

// outside audit (hostile input): "{{ $value " and "{{ .Foo }} {{ range }}" were saved, and sent as they were written
test('an annotation template perf does not expand is refused, naming it', () => {
  for (const [text, part] of [
    ['p99 {{ $value ', '{{ $value '],
    ['{{ .Foo }} on {{ $labels.instance }}', '{{ .Foo }}'],
    ['{{ $labels.instance }} {{ range }}', '{{ range }}'],
    ['{{ $labels.9x }}', '{{ $labels.9x }}'],
  ]) {
    const e = badField({ annotations: { summary: text } });
    assert.equal(e.field, 'annotations.summary');
    assert.ok(e.message.includes(JSON.stringify(part)), e.message);
    assert.match(e.message, /\{\{ \$value \}\}, \{\{ \$threshold \}\} or \{\{ \$labels\.<name> \}\}/);
  }
  assert.doesNotThrow(() => validateRule({ ...good, annotations: { summary: '{{$value}} over {{ $threshold }} on {{ $labels.instance }} {{ $labels.nope }}', text: 'no template {x}' } }));
});

test('a name with a control character is refused (it becomes the alertname label)', () => {
  assert.equal(badField({ name: 'Fleet\np99' }).field, 'name');
  assert.match(badField({ name: 'a\tb' }).message, /control character/);
});

test('a latency threshold over a minute reads as milliseconds by mistake', () => {
  assert.match(badField({ threshold: 200 }).message, /in seconds for latency\.p99 \(200 ms is 0\.2; over 60 s looks like milliseconds\)/);
  assert.equal(badField({ metric: 'eventLoopDelay.max', threshold: 3000 }).field, 'threshold');
  assert.doesNotThrow(() => validateRule({ ...good, threshold: 30 }));
});

test('the slack format escapes the rule name in its mrkdwn text (a name with <!channel> must not ping)', async () => {
  const { slackBody } = await import('../../server/alerts/notify/payload/slack.js');
  const { rule } = await import('./lib/rules.js');
  const r = rule({ name: 'p99 <!channel> & <https://evil.example|click>' });
  const alert = { ruleId: r.id, fingerprint: 'f', scopeKey: '', labels: { alertname: r.name }, annotations: { summary: 'p99 high' }, state: 'firing' as const, activeAt: 0, value: 1, lastTrueAt: 0 };
  const body = slackBody({ rule: r, status: 'firing', alerts: [alert], repeat: false }, 'http://localhost:3000');
  assert.ok(body.text.includes('p99 &lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;'), body.text);
  assert.ok(!body.text.includes('<!channel>'));
});

// a route-scoped rps floor over a flood of routes fires for every route: one body of all of them (tens of thousands)
test('a webhook body carries at most 1,000 alerts and counts the rest in truncatedAlerts, as Alertmanager does', async () => {
  const { slackBody } = await import('../../server/alerts/notify/payload/slack.js');
  const { alertmanagerWebhookBody } = await import('../../server/alerts/notify/payload/alertmanager-webhook.js');
  const { rule } = await import('./lib/rules.js');
  const r = rule({ name: 'route floor' });
  const alerts = Array.from({ length: 2500 }, (_, i) => ({ ruleId: r.id, fingerprint: `f${i}`, scopeKey: `${i}`, labels: { alertname: r.name, route: `/r${i}` }, annotations: { summary: 's' }, state: 'firing' as const, activeAt: 0, value: 0, lastTrueAt: 0 }));
  const body = alertmanagerWebhookBody({ rule: r, status: 'firing', alerts, repeat: false }, 'http://localhost:3000');
  assert.equal(body.alerts.length, 1000);
  assert.equal(body.truncatedAlerts, 1500);
  assert.equal(body.alerts[999].labels.route, '/r999');
  assert.deepEqual(body.commonLabels, { alertname: 'route floor' });
  const slack = slackBody({ rule: r, status: 'firing', alerts, repeat: false }, 'http://localhost:3000');
  assert.equal(slack.alerts.length, 1000);
  assert.match(slack.text, /FIRING \(2500\): route floor/);
  const few = alertmanagerWebhookBody({ rule: r, status: 'firing', alerts: alerts.slice(0, 3), repeat: false }, 'http://localhost:3000');
  assert.equal(few.alerts.length, 3);
  assert.equal(few.truncatedAlerts, 0);
});

test('conditions that can never hold, or hold everywhere, are refused (alerts audit: both were accepted)', () => {
  // nodeDown < 1 fires for every healthy node; finding < 1 wherever nothing is found
  assert.equal(badField({ metric: 'nodeDown', scope: 'node', op: '<', threshold: 1 }).field, 'op');
  assert.equal(badField({ metric: 'finding', finding: 'any', op: '<', threshold: 1 }).field, 'op');
  // no metric is ever below 0
  assert.equal(badField({ metric: 'rps', op: '<', threshold: 0 }).field, 'threshold');
  assert.equal(badField({ metric: 'elu', op: '<', threshold: 0 }).field, 'threshold');
  // still fine: a floor above 0, and presence metrics with ">" or nothing
  assert.equal(validateRule({ ...good, metric: 'rps', op: '<', threshold: 1 }).op, '<');
  assert.equal(validateRule({ ...good, metric: 'nodeDown', scope: 'node', op: undefined, threshold: undefined }).op, '>');
});

test('slack: a runbook link holding sender-controlled names cannot close the link, ping or add a link of its own; only http(s) links (security audit)', async () => {
  const { slackBody } = await import('../../server/alerts/notify/payload/slack.js');
  const { rule } = await import('./lib/rules.js');
  const r = rule({ name: 'route p99' });
  const route = '/x|Runbook> <!channel> <https://evil.example/login|Session expired';
  const alert = (runbook: string) => ({ ruleId: r.id, fingerprint: 'f', scopeKey: '', labels: { alertname: r.name, route }, annotations: { summary: 's', runbook_url: runbook }, state: 'firing' as const, activeAt: 0, value: 1, lastTrueAt: 0 });
  const context = (runbook: string) => JSON.stringify((slackBody({ rule: r, status: 'firing', alerts: [alert(runbook)], repeat: false }, 'http://localhost:3000').blocks.at(-1) as { elements: { text: string }[] }).elements[0].text);
  const text = JSON.parse(context(`https://runbooks.example.com/shop${route}`)) as string;
  assert.ok(!text.includes('<!channel>') && !text.includes('<https://evil.example'), text);
  assert.equal(text.match(/</g)?.length, 2, `two links, perf's and the runbook: ${text}`);
  assert.match(text, /<https:\/\/runbooks\.example\.com\/shop\/x%7CRunbook%3E%20%3C!channel%3E%20%3Chttps:\/\/evil\.example\/login%7CSession%20expired\|Runbook>$/);
  assert.doesNotMatch(context('javascript:alert(1)'), /Runbook/);
});

test('templates read the alert’s own labels only; perf_rule is perf’s label; at most 64 labels (security audit)', async () => {
  const { renderAnnotations } = await import('../../server/alerts/engine/template.js');
  const { rule } = await import('./lib/rules.js');
  const r = rule({ annotations: { a: '[{{ $labels.__proto__ }}][{{ $labels.constructor }}][{{ $labels.route }}]' } });
  assert.equal(renderAnnotations(r, { route: '/x' }, 1).a, '[][][/x]');
  assert.equal(badField({ labels: { perf_rule: 'spoof' } }).field, 'labels.perf_rule');
  const many = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`l${i}`, 'v']));
  assert.equal(badField({ labels: many }).field, 'labels');
  assert.equal(badField({ annotations: many }).field, 'annotations');
});

test('aborted (requests the clients aborted, per second) is a metric of the fleet, of each node and of each route', () => {
  for (const scope of ['fleet', 'node', 'route']) assert.equal(validateRule({ name: 'hung', scope, metric: 'aborted', op: '>', threshold: 0 }).metric, 'aborted');
});
