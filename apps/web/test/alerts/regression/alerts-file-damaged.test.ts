// durability audit: an unreadable alerts.sqlite skipped the whole alerts module with one log line, and nothing paged.
// It is moved aside with a message and a fresh one started, as perf.db is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAlertsDatabase } from '../../../server/alerts/setup.js';

test('a damaged alerts.sqlite is moved aside with a message and a working one started', () => {
  const dir = mkdtempSync(join(tmpdir(), 'perf-alerts-damaged-'));
  try {
    writeFileSync(join(dir, 'alerts.sqlite'), randomBytes(64 * 1024));
    const logs: string[] = [];
    const db = openAlertsDatabase(dir, (m) => logs.push(m));
    try {
      db.exec('CREATE TABLE t (x)');
      assert.equal(db.pragma('quick_check', { simple: true }), 'ok');
    } finally {
      db.close();
    }
    assert.equal(logs.length, 1);
    assert.match(logs[0], /alerts file .*alerts\.sqlite cannot be used .* moved to .*alerts\.sqlite\.corrupt-/);
    assert.equal(readdirSync(dir).filter((f) => f.startsWith('alerts.sqlite.corrupt-')).length, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// verification round: an alerts.sqlite this process cannot open (not damaged: permissions, a directory in its place)
// turned alerting off with one log line, and the rules API answered 404 as if it did not exist
test('alerting that failed to start says so: the alerts API answers 503 PERF_ALERTS_OFF with the reason', async () => {
  const { testServer } = await import('../../server/lib/server.js');
  const dir = mkdtempSync(join(tmpdir(), 'perf-alerts-off-'));
  mkdirSync(join(dir, 'alerts.sqlite'));
  const srv = await testServer({ dataDir: dir, modules: ['alerts'] });
  try {
    for (const path of ['/api/v1/alerts', '/api/v1/alerts/rules']) {
      const [status, body] = await srv.get(path);
      assert.equal(status, 503, path);
      assert.equal(body.error.code, 'PERF_ALERTS_OFF');
      assert.match(body.error.message, /alerting is off: it failed to start \(.+\)/);
    }
    const [, st] = await srv.get('/api/v1/status');
    assert.equal(st.modules.alerts.mounted, false);
  } finally {
    await srv.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});
