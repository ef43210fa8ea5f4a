// Found by an outside audit: a finding rule with an unknown kind was accepted (201) and could never fire, and a
// target of an unknown type was refused naming `targets[0].url` instead of the field that was wrong, `type`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { handleAlertsApi } from '../../../server/alerts/api.js';
import { FINDING_KINDS } from '../../../server/diagnose/types.js';
import { TestSource } from '../lib/rules.js';
import { openEngine, tempDir } from '../lib/engine.js';

const q = new URLSearchParams();

function post(body: unknown): { status: number; error?: { code: string; message: string; field?: string } } {
  const tmp = tempDir();
  const { engine, db } = openEngine(join(tmp.dir, 'a.sqlite'), new TestSource());
  try {
    const a = handleAlertsApi(engine, 'POST', '/api/v1/alerts/rules', q, JSON.stringify(body))!;
    return { status: a.status, error: (a.body as { error?: { code: string; message: string; field?: string } }).error };
  } finally {
    db.close();
    tmp.cleanup();
  }
}

test('an unknown finding kind is a 400 naming `finding` and listing every kind of the diagnoser and "any"', () => {
  const a = post({ name: 'x13', scope: 'fleet', metric: 'finding', finding: 'no-such-kind' });
  assert.equal(a.status, 400);
  assert.equal(a.error?.code, 'RULE_INVALID');
  assert.equal(a.error?.field, 'finding');
  for (const kind of [...FINDING_KINDS, 'any']) assert.ok(a.error?.message.includes(`"${kind}"`), `${kind} listed in: ${a.error?.message}`);
  for (const kind of [...FINDING_KINDS, 'any']) assert.equal(post({ name: 'x13', scope: 'fleet', metric: 'finding', finding: kind }).status, 201, kind);
});

test('a target of an unknown type is a 400 naming `targets[0].type` with the allowed types, before its url', () => {
  const a = post({ name: 'x10', scope: 'fleet', metric: 'rps', op: '>', threshold: 1, targets: [{ type: 'email', url: 'x' }] });
  assert.equal(a.status, 400);
  assert.equal(a.error?.field, 'targets[0].type');
  assert.equal(a.error?.message, 'targets[0].type must be "webhook" or "alertmanager" (got "email")');
  // with a known type, the url is still checked and named
  assert.equal(post({ name: 'x10', scope: 'fleet', metric: 'rps', op: '>', threshold: 1, targets: [{ type: 'alertmanager', url: 'x' }] }).error?.field, 'targets[0].url');
});
