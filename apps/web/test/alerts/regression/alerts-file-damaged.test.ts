// durability audit: an unreadable alerts.sqlite skipped the whole alerts module with one log line, and nothing paged.
// It is moved aside with a message and a fresh one started, as perf.db is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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
