// The tables of the data file, and the columns added to them since (a file an older dashboard wrote gains them).
import type Database from 'better-sqlite3';

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS nodes (
  service TEXT NOT NULL, instance TEXT NOT NULL, host TEXT NOT NULL, pid INTEGER, version TEXT,
  first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, PRIMARY KEY (service, instance)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS route_slots (
  service TEXT NOT NULL, method TEXT NOT NULL, route TEXT NOT NULL, tier INTEGER NOT NULL, slot INTEGER NOT NULL,
  requests REAL NOT NULL, errors REAL NOT NULL, hist BLOB NOT NULL,
  PRIMARY KEY (tier, slot, service, method, route)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS node_slots (
  service TEXT NOT NULL, instance TEXT NOT NULL, tier INTEGER NOT NULL, slot INTEGER NOT NULL, row BLOB NOT NULL,
  PRIMARY KEY (tier, slot, service, instance)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS el_slots (
  service TEXT NOT NULL, tier INTEGER NOT NULL, slot INTEGER NOT NULL, hist BLOB NOT NULL,
  PRIMARY KEY (tier, slot, service)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS series_state (
  service TEXT NOT NULL, instance TEXT NOT NULL, key TEXT NOT NULL, state BLOB NOT NULL,
  PRIMARY KEY (service, instance, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS catch_ups (
  service TEXT NOT NULL, subject TEXT NOT NULL, from_s INTEGER NOT NULL, to_s INTEGER NOT NULL, at_s INTEGER NOT NULL,
  requests REAL NOT NULL, errors REAL NOT NULL, aborted REAL NOT NULL DEFAULT 0, PRIMARY KEY (service, subject, from_s, to_s, at_s)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS node_hists (
  service TEXT NOT NULL, instance TEXT NOT NULL, coarse INTEGER NOT NULL, slot INTEGER NOT NULL, lat BLOB NOT NULL, el BLOB NOT NULL,
  PRIMARY KEY (coarse, slot, service, instance)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS profiles (
  service TEXT NOT NULL, instance TEXT NOT NULL, kind TEXT NOT NULL, end_ms INTEGER NOT NULL, body TEXT NOT NULL,
  PRIMARY KEY (service, instance, kind)) WITHOUT ROWID;
`;

/** Adds the columns an older file lacks. */
export function migrate(db: Database.Database): void {
  // a column added since: whether a node said it stops (a stopped node stays stopped across a restart)
  const columns = db.prepare('PRAGMA table_info(nodes)').all() as { name: string }[];
  if (!columns.some((c) => c.name === 'stopped_at')) db.exec('ALTER TABLE nodes ADD COLUMN stopped_at INTEGER');
  // and how far its clock is behind the dashboard's (s): a restarted dashboard judges its first exports by it, which
  // may be retried ones arriving late (NodeState.noteClock)
  if (!columns.some((c) => c.name === 'clock_lag')) db.exec('ALTER TABLE nodes ADD COLUMN clock_lag INTEGER');
  // and since: each route slot's aborted requests (a file written before holds none: 0)
  const slotColumns = db.prepare('PRAGMA table_info(route_slots)').all() as { name: string }[];
  if (!slotColumns.some((c) => c.name === 'aborted')) db.exec('ALTER TABLE route_slots ADD COLUMN aborted REAL NOT NULL DEFAULT 0');
  // and the aborted requests of a catch-up span (spread like its finished ones)
  const spanColumns = db.prepare('PRAGMA table_info(catch_ups)').all() as { name: string }[];
  if (!spanColumns.some((c) => c.name === 'aborted')) db.exec('ALTER TABLE catch_ups ADD COLUMN aborted REAL NOT NULL DEFAULT 0');
}
