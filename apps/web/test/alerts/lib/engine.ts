// An AlertEngine on a temporary SQLite file with fast delivery settings, for tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { AlertEngine } from '../../../server/alerts/engine/engine.js';
import type { AlertEngineOptions } from '../../../server/alerts/engine/engine.js';
import type { MetricSource } from '../../../server/alerts/types.js';

export function tempDir(prefix = 'perf-alerts-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function openEngine(file: string, source: MetricSource, options: Partial<AlertEngineOptions> = {}): { engine: AlertEngine; db: Database.Database; close: () => Promise<void> } {
  const db = new Database(file);
  const engine = new AlertEngine({
    db,
    source,
    externalURL: 'http://perf.test:3000',
    blockPrivate: false,
    log: () => {},
    ...options,
    evaluator: { resolveAfterMs: 0, ...options.evaluator },
    queue: { pollMs: 50, baseDelayMs: 50, maxDelayMs: 300, timeoutMs: 2000, ...options.queue },
  });
  return {
    engine,
    db,
    close: async () => {
      await engine.stop();
      db.close();
    },
  };
}
