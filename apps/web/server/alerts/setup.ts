// Wires the alert engine into the dashboard process: its own SQLite file under PERF_DATA_DIR (so alert writes
// never wait on the store's flushes), the FleetView metric source, the live findings, and env configuration.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { AlertEngine } from './engine/engine.js';
import { isDamagedFile, moveAside } from '../store/sqlite-file.js';
import { FleetViewSource } from './source/fleet-view-source.js';
import type { AlertEngineOptions } from './engine/engine.js';
import type { FindingLike } from './source/fleet-view-source.js';
import type { FleetView } from '../query/FleetView.js';

export interface AlertingOptions extends Partial<Omit<AlertEngineOptions, 'db' | 'source'>> {
  view: FleetView;
  /** The live findings, for `metric: "finding"` rules. */
  findings?: () => readonly FindingLike[];
  /** Directory of the SQLite file (alerts.sqlite); in memory when undefined. */
  dataDir?: string;
  /** Start evaluating right away (default true). */
  start?: boolean;
}

export interface Alerting {
  engine: AlertEngine;
  close(): Promise<void>;
}

/**
 * Opens (creating) the alerts database: `alerts.sqlite` in `dataDir`, or in memory. A file SQLite cannot read as a
 * database, or whose integrity check fails, is moved aside with a message and a fresh one started, as perf.db is:
 * before, alerting was skipped with one log line and nothing paged (durability audit).
 */
export function openAlertsDatabase(dataDir?: string, log: (msg: string) => void = console.warn): Database.Database {
  if (!dataDir) return new Database(':memory:');
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, 'alerts.sqlite');
  const open = (): Database.Database => {
    const db = new Database(file);
    try {
      const check = db.pragma('quick_check', { simple: true });
      if (check !== 'ok') throw new Error(`integrity check: ${String(check)}`);
      return db;
    } catch (err) {
      db.close();
      throw err;
    }
  };
  try {
    return open();
  } catch (err) {
    if (!isDamagedFile(err)) throw err;
    const aside = moveAside(file);
    log(
      `perf: the alerts file ${file} cannot be used (${(err as Error).message}). It was moved to ${aside} and a fresh one started: rules made through the API, alert history and pending deliveries before now are in the moved file (rules from PERF_ALERT_RULES_FILE load again).`,
    );
    return open();
  }
}

/** Creates (and by default starts) the alert engine. A bad PERF_ALERT_RULES_FILE does not stop it: see `engine.rulesFileStatus()`. */
export function createAlerting(options: AlertingOptions): Alerting {
  const { view, findings, dataDir, start = true, ...rest } = options;
  const db = openAlertsDatabase(dataDir);
  let engine: AlertEngine;
  try {
    engine = new AlertEngine({ db, source: new FleetViewSource(view, findings), ...rest });
  } catch (e) {
    db.close();
    throw e;
  }
  if (start) engine.start();
  return {
    engine,
    close: async () => {
      await engine.stop();
      db.close();
    },
  };
}
