import { mkdirSync, statSync } from 'node:fs';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { isDamagedFile, moveAside } from './sqlite-file.js';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { StoreHistogram } from './histogram.js';
import { NodeState, NODE_FIELDS, PROFILE_FIELDS, FINE_SLOTS, COARSE, type NodeHists, type NodeProfile } from './node.js';
import { NODE_SUBJECT, ROUTE_SUBJECT, type FleetStore, type RouteState, type StoreSink } from './FleetStore.js';
import type { CatchUp } from './catch-up.js';
import type { RequestSlot } from './slots.js';
import { decodeState, encodeState, type SeriesState } from '../ingest/series.js';
import { MAX_CUMULATIVE_COUNT, MAX_STORED_DURATION, saneNodeRow } from './domain.js';
import { secondTier } from './config.js';

/** series_state keys of a node's monotonic counters (the rest are ingest's series keys) */
const COUNTER_KEY = '\0counter\0';

/** SQLite file name inside PERF_DATA_DIR. */
export const DB_FILE = 'perf.db';

const SCHEMA = `
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
  requests REAL NOT NULL, errors REAL NOT NULL, PRIMARY KEY (service, subject, from_s, to_s, at_s)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS node_hists (
  service TEXT NOT NULL, instance TEXT NOT NULL, coarse INTEGER NOT NULL, slot INTEGER NOT NULL, lat BLOB NOT NULL, el BLOB NOT NULL,
  PRIMARY KEY (coarse, slot, service, instance)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS profiles (
  service TEXT NOT NULL, instance TEXT NOT NULL, kind TEXT NOT NULL, end_ms INTEGER NOT NULL, body TEXT NOT NULL,
  PRIMARY KEY (service, instance, kind)) WITHOUT ROWID;
`;

/** A node's profiles by kind (the CPU profile, the heap profile, the allocation profile), as the store keeps them. */
type ProfileKind = keyof typeof PROFILE_FIELDS;
const PROFILE_KINDS = Object.keys(PROFILE_FIELDS) as ProfileKind[];
function setProfile(n: NodeState, kind: ProfileKind, body: string): void {
  const p = JSON.parse(body) as NodeProfile<unknown>;
  if (!(typeof p.start === 'number' && typeof p.end === 'number' && Array.isArray(p.functions))) return;
  if (p.samples === null) p.samples = NaN; // JSON has no NaN
  Object.assign(n, { [PROFILE_FIELDS[kind]]: p });
}

const HEADER = 8;
/** 'PH2\0': a histogram blob whose counts are stored in the width the store holds them (version 2) */
const HIST_MAGIC = 0x00324850;
/** bytes before a version-2 blob's float64 header: the magic, the counts' kind, padding */
const PREFIX = 8;
const KINDS = [undefined, Uint16Array, Uint32Array, Float64Array] as const;

/**
 * Histogram → bytes: the magic and the counts' kind (1 Uint16, 2 Uint32, 3 Float64), 8 float64 header fields
 * (scale, offset, length, zero, count, sum, min, max), then the counts in that kind. Settled slots are sealed
 * (whole counts in 16 or 32 bits), so a slot costs 2–4 bytes a bucket on disk as in memory (Float64 throughout
 * made a busy route's week a 127 MB file).
 */
export function encodeHist(h: StoreHistogram): Buffer {
  const counts = h.counts.subarray(0, h.length);
  const kind = counts instanceof Uint16Array ? 1 : counts instanceof Uint32Array ? 2 : 3;
  const buf = Buffer.allocUnsafe(PREFIX + HEADER * 8 + counts.byteLength);
  buf.writeUInt32LE(HIST_MAGIC, 0);
  buf.writeUInt32LE(kind, 4);
  const head = new Float64Array([h.scale, h.offset, h.length, h.zeroCount, h.count, h.sum, h.min, h.max]);
  buf.set(new Uint8Array(head.buffer), PREFIX);
  buf.set(new Uint8Array(counts.buffer, counts.byteOffset, counts.byteLength), PREFIX + HEADER * 8);
  return buf;
}

/**
 * Bytes → histogram, or a RowDamage when they cannot be one: SQLite's integrity check sees the file's structure, not
 * what a blob holds, and a damaged one made every start fail, or set the percentiles of a whole window to null, or
 * spun the process at 100% CPU (durability audit). Reads version-2 blobs and the Float64-only ones written before.
 */
export function decodeHist(buf: Buffer, maxBuckets = 2048): StoreHistogram {
  let head: Float64Array;
  let counts: Float64Array | Uint32Array | Uint16Array;
  if (buf.byteLength >= PREFIX + HEADER * 8 && buf.readUInt32LE(0) === HIST_MAGIC) {
    const Kind = KINDS[buf.readUInt32LE(4)];
    const body = buf.byteLength - PREFIX - HEADER * 8;
    if (Kind === undefined || body % Kind.BYTES_PER_ELEMENT !== 0) throw new RowDamage(`a histogram of ${buf.byteLength} bytes`);
    head = new Float64Array(buf.buffer.slice(buf.byteOffset + PREFIX, buf.byteOffset + PREFIX + HEADER * 8));
    // a copy of the bytes (aligned for the typed array; the Buffer may sit at any offset of a shared pool)
    counts = new Kind(Uint8Array.prototype.slice.call(buf, PREFIX + HEADER * 8).buffer);
  } else {
    if (buf.byteLength % 8 !== 0 || buf.byteLength < HEADER * 8) throw new RowDamage(`a histogram of ${buf.byteLength} bytes`);
    const a = new Float64Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    head = a.subarray(0, HEADER);
    counts = a.slice(HEADER);
  }
  const [scale, offset, length, zeroCount, count, sum, min, max] = head;
  const sane =
    Number.isInteger(scale) &&
    scale >= -10 &&
    scale <= 20 &&
    Number.isInteger(offset) &&
    Math.abs(offset) < 2 ** 30 &&
    length === counts.length &&
    length <= maxBuckets &&
    zeroCount >= 0 &&
    count >= 0 &&
    Number.isFinite(count) &&
    Number.isFinite(sum) &&
    (Number.isFinite(min) ? min >= 0 : min === Infinity) &&
    (Number.isFinite(max) ? max >= 0 && max <= MAX_STORED_DURATION : max === -Infinity);
  if (!sane) throw new RowDamage('a histogram whose header is not one');
  // no bucket holds more than the whole histogram (a little over it: buckets and count are summed in different orders)
  const most = count * (1 + 1e-9) + 1e-9;
  if (counts instanceof Float64Array) for (let i = 0; i < counts.length; i++) if (!(counts[i] >= 0 && counts[i] <= most)) throw new RowDamage('a histogram with a bad count');
  const h = new StoreHistogram(scale, maxBuckets, 0);
  h.offset = offset;
  h.length = length;
  h.zeroCount = zeroCount;
  h.count = count;
  h.sum = sum;
  h.min = min;
  h.max = max;
  h.counts = counts;
  // as the store keeps settled slots: whole counts in 16 or 32 bits (read back as Float64 they took 2–4× the memory)
  if (counts instanceof Float64Array) h.seal();
  return h;
}

type Row = unknown[];

/** downtimes of the dashboard kept in the data file (the newest) */
const MAX_DOWNTIMES = 100;

/** A stored row that cannot be what it claims (skipped at load, and counted). */
export class RowDamage extends Error {}

/** Whether the data file is damaged, and so moved aside. Anything else is a reason to stop. */
function isDamage(err: unknown, file: string): boolean {
  if (isDamagedFile(err)) return true;
  // a directory where the file should be: nothing of ours, moved aside as well
  try {
    return statSync(file).isDirectory();
  } catch {
    return false;
  }
}

/**
 * SQLite persistence of settled slots. The store hands settled seconds and rolled-up slots to `sink`;
 * they are buffered and written in one transaction per flush (every 2 s by default), so a crash loses at
 * most the unflushed seconds. A corrupt file is moved aside and a fresh one started, with a message.
 */
export class Persistence {
  readonly db: Database.Database;
  readonly file: string;
  lastFlush: number | null = null;
  private routeRows: Row[] = [];
  private nodeRows: Row[] = [];
  private elRows: Row[] = [];
  /** catch-up spans noted or grown since the last flush, by service, subject and span */
  private catchUpRows = new Map<string, Row>();
  /** node window histograms written (a row) or gone into a coarser one (no blobs), in order */
  private histRows: Row[] = [];
  private readonly touchedNodes = new Map<string, NodeState>();
  /** the end of each node's profile last written, by service, instance and kind: a profile is written once */
  private readonly profilesWritten = new Map<string, number>();
  private readonly insRoute: Database.Statement;
  private readonly insNode: Database.Statement;
  private readonly insEl: Database.Statement;
  private readonly insCatchUp: Database.Statement;
  private readonly insHist: Database.Statement;
  private readonly delHist: Database.Statement;
  private readonly delHists: Database.Statement;
  private readonly upNode: Database.Statement;
  private readonly delNode: Database.Statement;
  private readonly upProfile: Database.Statement;
  private readonly delProfiles: Database.Statement;

  private constructor(db: Database.Database, file: string) {
    this.db = db;
    this.file = file;
    this.insRoute = db.prepare('INSERT OR REPLACE INTO route_slots (service, method, route, tier, slot, requests, errors, hist, aborted) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
    this.insNode = db.prepare('INSERT OR REPLACE INTO node_slots VALUES (?, ?, ?, ?, ?)');
    this.insEl = db.prepare('INSERT OR REPLACE INTO el_slots VALUES (?, ?, ?, ?)');
    this.insCatchUp = db.prepare('INSERT OR REPLACE INTO catch_ups VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.insHist = db.prepare('INSERT OR REPLACE INTO node_hists VALUES (?, ?, ?, ?, ?, ?)');
    this.delHist = db.prepare('DELETE FROM node_hists WHERE coarse = ? AND slot = ? AND service = ? AND instance = ?');
    this.delHists = db.prepare('DELETE FROM node_hists WHERE service = ? AND instance = ?');
    this.upNode = db.prepare('INSERT OR REPLACE INTO nodes (service, instance, host, pid, version, first_seen, last_seen, stopped_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    this.delNode = db.prepare('DELETE FROM nodes WHERE service = ? AND instance = ?');
    this.upProfile = db.prepare('INSERT OR REPLACE INTO profiles VALUES (?, ?, ?, ?, ?)');
    this.delProfiles = db.prepare('DELETE FROM profiles WHERE service = ? AND instance = ?');
  }

  /** Opens (or creates) PERF_DATA_DIR/perf.db; a file that fails its integrity check is moved aside. */
  static open(dataDir: string, log: (msg: string) => void = console.warn): Persistence {
    const dir = resolve(dataDir);
    mkdirSync(dir, { recursive: true });
    const file = join(dir, DB_FILE);
    try {
      return Persistence.tryOpen(file);
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
        throw new Error(
          `the data file ${file} is in use by another process (another dashboard with the same PERF_DATA_DIR?): stop it, or give each dashboard its own PERF_DATA_DIR`,
        );
      }
      // a permission problem, a full disk, …: not the file's fault, so it is left where it is
      if (!isDamage(err, file)) throw new Error(`the data file ${file} cannot be opened (${(err as Error).message}): check that this user may read and write it and its folder`);
      const aside = moveAside(file);
      log(
        `perf: the data file ${file} cannot be used (${(err as Error).message}). It was moved to ${aside} and a fresh one started: history before now is not shown. Delete the moved file once you no longer need it.`,
      );
      return Persistence.tryOpen(file);
    }
  }

  private static tryOpen(file: string): Persistence {
    const db = new Database(file, { timeout: 3000 });
    try {
      // one process per data file: the lock is taken by the first write below and held until close (two dashboards
      // on one folder overwrote each other's slots, and one's stop deleted the other's saved states); with it, WAL
      // needs no shared-memory file
      db.pragma('locking_mode = EXCLUSIVE');
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      const check = db.pragma('quick_check', { simple: true });
      if (check !== 'ok') throw new Error(`integrity check: ${String(check)}`);
      db.exec(SCHEMA);
      db.exec('BEGIN IMMEDIATE; COMMIT');
      // a column added since: whether a node said it stops (a stopped node stays stopped across a restart)
      const columns = db.prepare('PRAGMA table_info(nodes)').all() as { name: string }[];
      if (!columns.some((c) => c.name === 'stopped_at')) db.exec('ALTER TABLE nodes ADD COLUMN stopped_at INTEGER');
      // and since: each route slot's aborted requests (a file written before holds none: 0)
      const slotColumns = db.prepare('PRAGMA table_info(route_slots)').all() as { name: string }[];
      if (!slotColumns.some((c) => c.name === 'aborted')) db.exec('ALTER TABLE route_slots ADD COLUMN aborted REAL NOT NULL DEFAULT 0');
      return new Persistence(db, file);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  readonly sink: StoreSink = {
    route: (tier: number, r: RouteState, slot: number, s: RequestSlot) => {
      this.routeRows.push([r.service, r.method, r.route, tier, slot, s.requests, s.errors, encodeHist(s.hist), s.aborted]);
    },
    node: (tier: number, n: NodeState, slot: number, row: Float32Array) => {
      const copy = Buffer.from(row.slice().buffer);
      this.nodeRows.push([n.meta.service, n.meta.instance, tier, slot, copy]);
      this.touchedNodes.set(n.meta.service + '\0' + n.meta.instance, n);
    },
    eventLoop: (tier: number, service: string, slot: number, h: StoreHistogram) => {
      this.elRows.push([service, tier, slot, encodeHist(h)]);
    },
    catchUp: (service: string, subject: string, c: CatchUp) => {
      this.catchUpRows.set(`${service}\0${subject}\0${c.from}\0${c.to}\0${c.at}`, [service, subject, c.from, c.to, c.at, c.requests, c.errors]);
    },
    nodeHist: (n: NodeState, coarse: boolean, slot: number, h: NodeHists | undefined) => {
      // encoded now: a coarse slot goes on merging (each merge hands it over again)
      this.histRows.push(h === undefined ? [coarse ? 1 : 0, slot, n.meta.service, n.meta.instance] : [n.meta.service, n.meta.instance, coarse ? 1 : 0, slot, encodeHist(h.lat), encodeHist(h.el)]);
    },
    nodeRemoved: (n: NodeState) => {
      this.touchedNodes.delete(n.meta.service + '\0' + n.meta.instance);
      this.delNode.run(n.meta.service, n.meta.instance);
      this.delProfiles.run(n.meta.service, n.meta.instance);
      this.delHists.run(n.meta.service, n.meta.instance);
      for (const kind of PROFILE_KINDS) this.profilesWritten.delete(`${n.meta.service}\0${n.meta.instance}\0${kind}`);
    },
  };

  /** Rows waiting for the next flush. */
  get pending(): number {
    return this.routeRows.length + this.nodeRows.length + this.elRows.length;
  }

  /** Writes everything buffered in one transaction. */
  flush(now = Date.now()): void {
    const routes = this.routeRows;
    const nodes = this.nodeRows;
    const els = this.elRows;
    const touched = [...this.touchedNodes.values()];
    const catchUps = [...this.catchUpRows.values()];
    const hists = this.histRows;
    this.histRows = [];
    this.catchUpRows = new Map();
    this.routeRows = [];
    this.nodeRows = [];
    this.elRows = [];
    this.touchedNodes.clear();
    this.db.transaction(() => {
      for (const r of routes) this.insRoute.run(...r);
      for (const r of nodes) this.insNode.run(...r);
      for (const r of els) this.insEl.run(...r);
      for (const r of catchUps) this.insCatchUp.run(...r);
      for (const r of hists) (r.length === 4 ? this.delHist : this.insHist).run(...r);
      for (const n of touched) {
        this.upNode.run(n.meta.service, n.meta.instance, n.meta.host, n.meta.pid, n.meta.version, n.firstSeen, n.lastSeen, n.stoppedAt ?? null);
        // the node's last profiles, each once (a restarted dashboard shows them until the agent takes new ones)
        for (const kind of PROFILE_KINDS) {
          const p = n[PROFILE_FIELDS[kind]];
          const key = `${n.meta.service}\0${n.meta.instance}\0${kind}`;
          if (p === undefined || this.profilesWritten.get(key) === p.end) continue;
          this.upProfile.run(n.meta.service, n.meta.instance, kind, p.end, JSON.stringify(p));
          this.profilesWritten.set(key, p.end);
        }
      }
    })();
    this.lastFlush = now;
  }

  /** Deletes rows past each tier's retention. */
  prune(store: FleetStore, now = Date.now()): void {
    const nowSec = Math.floor(now / 1000);
    this.db.transaction(() => {
      store.options.tiers.forEach((t, k) => {
        const oldest = Math.floor((nowSec - t.retention) / t.step);
        for (const table of ['route_slots', 'node_slots', 'el_slots']) this.db.prepare(`DELETE FROM ${table} WHERE tier = ? AND slot < ?`).run(k, oldest);
      });
      this.db.prepare('DELETE FROM nodes WHERE last_seen < ?').run(now - store.options.nodeRetentionMs);
      // catch-up spans are spread for as long as the 10 s tier holds their seconds (FleetStore.tick)
      this.db.prepare('DELETE FROM catch_ups WHERE at_s < ?').run(nowSec - secondTier(store.options).retention);
      // node window histograms: as NodeState.settle drops them (10 s slots become 60 s ones within 5 minutes)
      const histStep = secondTier(store.options).step;
      const current = Math.floor(nowSec / histStep);
      this.db.prepare('DELETE FROM node_hists WHERE (coarse = 0 AND slot < ?) OR (coarse = 1 AND slot < ?)').run(current - FINE_SLOTS - COARSE, Math.floor((current - Math.ceil(store.options.tiers[0].retention / histStep)) / COARSE));
      this.db.prepare('DELETE FROM profiles WHERE NOT EXISTS (SELECT 1 FROM nodes WHERE nodes.service = profiles.service AND nodes.instance = profiles.instance)').run();
    })();
  }

  /** Loads persisted history into a fresh store (nodes keep their last-seen time, so they show as down). */
  load(store: FleetStore, now = Date.now()): { routes: number; nodes: number; slots: number; skipped: number } {
    const nowSec = Math.floor(now / 1000);
    let slots = 0;
    /** rows that cannot be what they claim (see decodeHist): left out, and counted */
    let skipped = 0;
    // and, whatever their age, the nodes a graceful stop saved series states for: a stop longer than PERF_NODE_RETENTION
    // dropped them, and with them everything served meanwhile (durability audit: 2,152 counted of 6,002)
    const nodeRows = this.db
      .prepare('SELECT * FROM nodes WHERE last_seen >= ? OR EXISTS (SELECT 1 FROM series_state s WHERE s.service = nodes.service AND s.instance = nodes.instance)')
      .all(now - store.options.nodeRetentionMs) as {
      service: string;
      instance: string;
      host: string;
      pid: number | null;
      version: string | null;
      first_seen: number;
      last_seen: number;
      stopped_at: number | null;
    }[];
    for (const r of nodeRows) {
      const svc = store.service(r.service);
      const n = new NodeState({ service: r.service, instance: r.instance, host: r.host, pid: r.pid, version: r.version }, store.options.tiers, store.options.nodeScale, r.first_seen);
      const firstSec = Math.floor(r.first_seen / 1000);
      if (firstSec < svc.dataSince) svc.dataSince = firstSec;
      n.lastSeen = r.last_seen;
      if (r.stopped_at !== null && r.stopped_at !== undefined) n.stoppedAt = r.stopped_at;
      svc.nodes.set(r.instance, n);
      if (r.last_seen > svc.lastSeen) svc.lastSeen = r.last_seen;
    }
    for (const r of this.db.prepare('SELECT service, instance, kind, end_ms, body FROM profiles').iterate() as Iterable<{ service: string; instance: string; kind: string; end_ms: number; body: string }>) {
      const n = store.services.get(r.service)?.nodes.get(r.instance);
      if (n === undefined || !(PROFILE_KINDS as readonly string[]).includes(r.kind)) continue;
      try {
        setProfile(n, r.kind as ProfileKind, r.body);
        this.profilesWritten.set(`${r.service}\0${r.instance}\0${r.kind}`, r.end_ms);
      } catch {
        // an unreadable row: the node shows its next profile
      }
    }
    // each node's window histograms (its percentiles over a window: a restart showed "—" for every node until it served again)
    type HistRow = { service: string; instance: string; coarse: number; slot: number; lat: Buffer; el: Buffer };
    const histSlotNow = Math.floor(nowSec / secondTier(store.options).step);
    for (const r of this.db.prepare('SELECT * FROM node_hists').iterate() as Iterable<HistRow>) {
      const n = store.services.get(r.service)?.nodes.get(r.instance);
      if (n === undefined) continue;
      let h: NodeHists;
      try {
        h = { lat: decodeHist(r.lat), el: decodeHist(r.el) };
      } catch (err) {
        if (!(err instanceof RowDamage)) throw err;
        skipped++;
        continue;
      }
      if (r.coarse === 1) n.coarse.set(r.slot, h);
      else {
        n.hists.set(r.slot, h);
        // (one a graceful stop wrote while it filled, and still filling now, is written again once complete)
        if (r.slot > n.histsWrittenUntil && r.slot < histSlotNow) n.histsWrittenUntil = r.slot;
      }
    }
    const maxSlot: number[] = store.options.tiers.map(() => -1);
    let lastNodeSecond = -1;
    store.options.tiers.forEach((t, k) => {
      const oldest = Math.floor((nowSec - t.retention) / t.step);
      for (const r of this.db.prepare('SELECT * FROM route_slots WHERE tier = ? AND slot >= ? ORDER BY slot').iterate(k, oldest) as Iterable<{
        service: string;
        method: string;
        route: string;
        slot: number;
        requests: number;
        errors: number;
        hist: Buffer;
        aborted: number;
      }>) {
        let hist: StoreHistogram;
        try {
          hist = decodeHist(r.hist);
          if (!(r.requests >= 0 && r.errors >= 0 && r.errors <= r.requests && r.aborted >= 0 && Number.isFinite(r.aborted))) throw new RowDamage('counts');
        } catch {
          skipped++;
          continue;
        }
        const svc = store.service(r.service);
        const route = store.route(svc, r.method, r.route);
        route.tiers[k].set(r.slot, { requests: r.requests, errors: r.errors, aborted: r.aborted, hist });
        if (r.slot > maxSlot[k]) maxSlot[k] = r.slot;
        const since = r.slot * store.options.tiers[k].step;
        store.noteRouteData(svc, route, since + store.options.tiers[k].step - 1);
        if (since < store.dataSince) store.dataSince = since;
        if (since < svc.dataSince) svc.dataSince = since;
        slots++;
      }
      for (const r of this.db.prepare('SELECT * FROM el_slots WHERE tier = ? AND slot >= ? ORDER BY slot').iterate(k, oldest) as Iterable<{
        service: string;
        slot: number;
        hist: Buffer;
      }>) {
        let hist: StoreHistogram;
        try {
          hist = decodeHist(r.hist);
        } catch {
          skipped++;
          continue;
        }
        store.service(r.service).el[k].set(r.slot, hist);
        slots++;
      }
      for (const r of this.db.prepare('SELECT * FROM node_slots WHERE tier = ? AND slot >= ? ORDER BY slot').iterate(k, oldest) as Iterable<{
        service: string;
        instance: string;
        slot: number;
        row: Buffer;
      }>) {
        const n = store.services.get(r.service)?.nodes.get(r.instance);
        if (n === undefined) continue;
        if (r.row.byteLength % 4 !== 0) {
          skipped++;
          continue;
        }
        const src = new Float32Array(r.row.buffer.slice(r.row.byteOffset, r.row.byteOffset + r.row.byteLength));
        // each field within what ingest lets into it (domain.ts): garbage reads as values no field can have (an event-loop
        // max of 1.4e22 s, a negative heap)
        if (!saneNodeRow(src)) {
          skipped++;
          continue;
        }
        const dst = n.tiers[k].row(r.slot, true)!;
        dst.set(src.subarray(0, NODE_FIELDS));
        if (k === 0 && r.slot > lastNodeSecond) lastNodeSecond = r.slot;
        slots++;
      }
    });
    // coarser tiers resume rolling up right after what they hold, from the finest tier's seconds
    const tier0Oldest = nowSec - store.options.tiers[0].retention;
    for (let k = 1; k < store.options.tiers.length; k++) {
      const step = store.options.tiers[k].step;
      if (maxSlot[k] >= 0) store.rolledUntil[k] = Math.max(maxSlot[k] + 1, Math.floor(tier0Oldest / step) + 1);
    }
    // the seconds nothing could be received in: from the last one written before the stop or crash (a node's or a
    // route's; else the last export heard) to now
    let lastHeard = -1;
    for (const r of nodeRows) lastHeard = Math.max(lastHeard, Math.floor(r.last_seen / 1000));
    for (const r of nodeRows) store.lastHeardBeforeStop = Math.max(store.lastHeardBeforeStop, r.last_seen);
    const lastWritten = Math.max(maxSlot[0], lastNodeSecond) >= 0 ? Math.max(maxSlot[0], lastNodeSecond) : lastHeard;
    if (lastWritten >= 0 && lastWritten < nowSec) {
      store.downtime = { from: lastWritten + 1, to: nowSec };
      // the nodes live when it began: their requests are unknown from there until ingest counts them again (with
      // saved states, their first export's delta reaches back before it; after a crash, the first point is a baseline)
      const liveSince = (lastWritten + 1) * 1000 - store.options.nodeDownAfterMs;
      for (const svc of store.services.values()) {
        for (const n of svc.nodes.values()) {
          if (n.stoppedAt !== undefined || n.lastSeen < liveSince) continue;
          n.unknownFrom = lastWritten + 1;
          n.countedFrom = undefined;
        }
      }
    }
    // the earlier downtimes still in the retention, and this one, kept for the next restart
    const longest = Math.max(...store.options.tiers.map((t) => t.retention));
    const saved = this.db.prepare("SELECT value FROM meta WHERE key = 'downtimes'").get() as { value: string } | undefined;
    let downtimes: { from: number; to: number }[] = [];
    try {
      const parsed: unknown = saved === undefined ? [] : JSON.parse(saved.value);
      if (Array.isArray(parsed)) downtimes = parsed.filter((d) => Number.isInteger(d?.from) && Number.isInteger(d?.to) && d.from <= d.to && d.to >= nowSec - longest);
    } catch {
      // a value that does not parse: no earlier downtime is known
    }
    if (store.downtime !== undefined) downtimes.push(store.downtime);
    store.downtimes = downtimes.slice(-MAX_DOWNTIMES);
    this.db.prepare("INSERT OR REPLACE INTO meta VALUES ('downtimes', ?)").run(JSON.stringify(store.downtimes));
    // the catch-up spans of the 10 s tier's retention: their requests are spread over the seconds they were served in
    const spreadSince = nowSec - secondTier(store.options).retention;
    type SpanRow = { service: string; subject: string; from_s: number; to_s: number; at_s: number; requests: number; errors: number };
    for (const c of this.db.prepare('SELECT * FROM catch_ups WHERE at_s >= ? ORDER BY at_s').iterate(spreadSince) as Iterable<SpanRow>) {
      const svc = store.services.get(c.service);
      if (svc === undefined || !(c.requests >= 0 && c.errors >= 0 && c.from_s <= c.to_s)) continue;
      const key = c.subject.slice(2);
      const subject = c.subject.startsWith(ROUTE_SUBJECT) ? svc.routes.get(key) : c.subject.startsWith(NODE_SUBJECT) ? svc.nodes.get(key) : undefined;
      if (subject === undefined) continue;
      (subject.catchUps ??= []).push({ from: c.from_s, to: c.to_s, at: c.at_s, requests: c.requests, errors: c.errors });
    }
    const routes = [...store.services.values()].reduce((a, s) => a + s.routes.size, 0);
    return { routes, nodes: nodeRows.length, slots, skipped };
  }

  /**
   * Writes every node's ingest state (its cumulative series' last points, its counters' last values), replacing
   * what an earlier shutdown wrote. Called once, at a graceful shutdown: a restarted dashboard then turns each
   * series' next cumulative point into the difference since the last one before the restart, so the requests
   * a node served while the dashboard was down are counted. Returns how many states were written.
   */
  saveStates(store: FleetStore): number {
    const insert = this.db.prepare('INSERT INTO series_state VALUES (?, ?, ?, ?)');
    let n = 0;
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM series_state').run();
      for (const svc of store.services.values()) {
        for (const node of svc.nodes.values()) {
          for (const [key, st] of node.states) {
            insert.run(svc.name, node.meta.instance, key, packState(encodeState(st as SeriesState)));
            n++;
          }
          for (const [key, c] of node.counters) {
            insert.run(svc.name, node.meta.instance, COUNTER_KEY + key, Buffer.from(new Float64Array([c.value, c.timeUnixNano]).buffer));
            n++;
          }
          // the 10 s slot still filling (the complete ones are written as they settle)
          for (const [slot, h] of node.hists) if (slot > node.histsWrittenUntil) this.insHist.run(svc.name, node.meta.instance, 0, slot, encodeHist(h.lat), encodeHist(h.el));
        }
      }
    })();
    return n;
  }

  /**
   * Restores the states saveStates() wrote into the nodes load() restored (call after load()); dropSavedStates()
   * deletes them once the process has started.
   */
  loadStates(store: FleetStore): number {
    let n = 0;
    // each node's last point before the stop (Unix s): the seconds after it hold none of its requests yet
    const lastPoint = new Map<NodeState, number>();
    const rows = this.db.prepare('SELECT service, instance, key, state FROM series_state').iterate() as Iterable<{ service: string; instance: string; key: string; state: Buffer }>;
    for (const r of rows) {
      const svc = store.services.get(r.service);
      const node = svc?.nodes.get(r.instance);
      if (svc === undefined || node === undefined) continue;
      if (r.key.startsWith(COUNTER_KEY)) {
        if (r.state.byteLength !== 16) continue;
        const a = new Float64Array(r.state.buffer.slice(r.state.byteOffset, r.state.byteOffset + 16));
        // a counter's last value as ingest accepts it (see counter() in ingest/counters.ts)
        if (!(a[0] >= 0 && a[0] <= MAX_CUMULATIVE_COUNT)) continue;
        node.counters.set(r.key.slice(COUNTER_KEY.length), { value: a[0], timeUnixNano: a[1] });
        n++;
        continue;
      }
      const st = decodeState(unpackState(r.state));
      if (st === undefined || node.states.has(r.key)) continue;
      node.states.set(r.key, st);
      node.baselined = true;
      if (st.time > 0) lastPoint.set(node, Math.max(lastPoint.get(node) ?? 0, Math.floor(st.time / 1e9)));
      // as ingest does when it creates a state: the series counts towards the service's cap and memory
      svc.seriesKeys.set(r.key, (svc.seriesKeys.get(r.key) ?? 0) + 1);
      svc.series++;
      n++;
    }
    // A graceful stop settles the seconds still open with the exports heard by then: a node whose last export came
    // before the last second written holds none of its requests there, until its first export after the restart
    // spreads back over them (live verification: the stop's seconds read 97, then 146 req/s against 196 for ≈ 2 s).
    for (const [node, sec] of lastPoint) if (node.unknownFrom !== undefined && sec + 1 < node.unknownFrom) node.unknownFrom = sec + 1;
    return n;
  }

  /**
   * Deletes the saved states once this process has started (its ports bound): a later crash must not restore them
   * a second time, against points counted since; a start that failed (a port in use) must leave them for the next.
   */
  dropSavedStates(): void {
    this.db.prepare('DELETE FROM series_state').run();
  }

  close(): void {
    this.db.close();
  }
}

/** Marks a state deflated by packState (a raw state starts with its Float64 version, whose low 4 bytes are zero). */
const PACKED = Buffer.from('PSZ1');

/**
 * A series state as saved: deflated (a cumulative histogram's counts as Float64s are mostly small and repeated: an
 * outside audit's 36k states took 146 MB and a stop 9 s, 83k states 335 MB of a 505 MB file).
 */
export function packState(raw: Buffer): Buffer {
  return Buffer.concat([PACKED, deflateRawSync(raw, { level: 1 })]);
}

/** The raw state of what packState (or an older dashboard, raw) saved; empty for bytes that do not inflate. */
export function unpackState(saved: Buffer): Buffer {
  if (saved.byteLength < PACKED.byteLength || !saved.subarray(0, PACKED.byteLength).equals(PACKED)) return saved;
  try {
    return inflateRawSync(saved.subarray(PACKED.byteLength), { maxOutputLength: 1 << 24 });
  } catch {
    return Buffer.alloc(0);
  }
}
