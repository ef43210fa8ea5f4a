// The alert tables. Rules, alert instances (history included), and the delivery queue with every attempt, so
// `GET /api/v1/alerts` can show what was sent where and a restart resumes pending deliveries.
import type Database from 'better-sqlite3';

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS alert_rules (
  id TEXT PRIMARY KEY,
  source TEXT NOT NULL,              -- 'api' | 'file'
  spec TEXT NOT NULL,                -- RuleSpec as JSON
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS alert_instances (
  id TEXT PRIMARY KEY,               -- rule_id:fingerprint:active_at
  rule_id TEXT NOT NULL,
  rule_name TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  scope_key TEXT NOT NULL,
  labels TEXT NOT NULL,
  annotations TEXT NOT NULL,
  state TEXT NOT NULL,               -- 'firing' | 'resolved'
  active_at INTEGER NOT NULL,        -- ms
  fired_at INTEGER,
  resolved_at INTEGER,
  value REAL,
  last_true_at INTEGER NOT NULL,
  last_notified_at INTEGER
);
CREATE INDEX IF NOT EXISTS alert_instances_state ON alert_instances(state, active_at);
CREATE TABLE IF NOT EXISTS alert_deliveries (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,           -- X-Perf-Delivery
  rule_id TEXT NOT NULL,
  rule_name TEXT NOT NULL,
  status TEXT NOT NULL,              -- notification status: 'firing' | 'resolved'
  repeat INTEGER NOT NULL DEFAULT 0,
  target_type TEXT NOT NULL,         -- 'webhook' | 'alertmanager'
  target_format TEXT,
  url TEXT NOT NULL,                 -- the URL posted to
  secret TEXT,
  order_key TEXT NOT NULL,           -- deliveries with the same key go out in order
  body TEXT NOT NULL,
  state TEXT NOT NULL,               -- 'pending' | 'delivered' | 'failed'
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,  -- ms
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  last_status INTEGER,
  last_error TEXT
);
CREATE INDEX IF NOT EXISTS alert_deliveries_pending ON alert_deliveries(state, next_attempt_at);
CREATE TABLE IF NOT EXISTS alert_delivery_alerts (
  delivery_id TEXT NOT NULL,
  alert_id TEXT NOT NULL,
  PRIMARY KEY (alert_id, delivery_id)
);
CREATE TABLE IF NOT EXISTS alert_delivery_attempts (
  delivery_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  at INTEGER NOT NULL,
  duration_ms INTEGER NOT NULL,
  status INTEGER,
  outcome TEXT NOT NULL,
  error TEXT,
  PRIMARY KEY (delivery_id, attempt, at)
);
`;

export function migrate(db: Database.Database): void {
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA);
}
