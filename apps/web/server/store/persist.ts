import { mkdirSync, statSync } from 'node:fs';
import { OpenedFile, isDamagedFile, moveAside } from './sqlite-file.js';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { FleetStore, StoreSink } from './FleetStore.js';
import { SCHEMA, migrate } from './persist/schema.js';
import { Writer } from './persist/writer.js';
import { loadHistory } from './persist/load.js';
import { prune } from './persist/prune.js';
import { dropSavedStates, loadStates, saveStates } from './persist/saved-states.js';

// One module per part under persist/: schema.ts (tables, columns added since), writer.ts (the sink and its flush),
// load.ts and downtimes.ts (a start), prune.ts, saved-states.ts (a graceful stop's ingest states), and the blobs
// (histogram-blob.ts) and profile rows (profiles.ts) they share.

/** SQLite file name inside PERF_DATA_DIR. */
export const DB_FILE = 'perf.db';

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
  /** the rows the store settles, buffered until the next flush */
  private readonly writer: Writer;
  /** where the store hands settled seconds and rolled-up slots */
  readonly sink: StoreSink;

  private constructor(db: Database.Database, file: string) {
    this.db = db;
    this.file = file;
    this.writer = new Writer(db);
    this.sink = this.writer.sink;
    this.opened = new OpenedFile(
      file,
      `the data file ${file} was deleted or replaced while the dashboard runs: its history is kept only until the dashboard stops, and the folder is no longer locked against a second dashboard; stop it and restore the file from a backup, or accept the loss`,
    );
  }

  /** the data file as opened (checked at each flush) */
  private readonly opened: OpenedFile;

  /**
   * Set when the data file was found deleted or replaced while the dashboard runs: the history is still written, to the
   * file as it was opened, which nothing can open once this process ends, and the folder's lock went with it (outside
   * audit AB5: the files deleted under a running dashboard, no word; a second dashboard then started on the folder, and
   * a restart found no history and no rules)
   */
  get fileGone(): { message: string; since: number } | undefined {
    return this.opened.gone;
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
      migrate(db);
      return new Persistence(db, file);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  /** Rows waiting for the next flush. */
  get pending(): number {
    return this.writer.pending;
  }

  /** Writes everything buffered in one transaction. */
  flush(now = Date.now()): void {
    this.opened.check(now, (message) => console.error(`perf: ${message}`));
    try {
      this.writer.flush();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      // said once per error, and in /api/v1/status for as long as it lasts
      if (this.flushError?.message !== message) console.error(`perf: writing the data file failed (${message}); what was not written is kept in memory and written once it can be (up to 1,000,000 rows)`);
      this.flushError = { message, since: this.flushError?.since ?? now };
      return;
    }
    if (this.flushError !== undefined) console.error(`perf: the data file is written again (it failed from ${new Date(this.flushError.since).toISOString()})`);
    this.flushError = undefined;
    this.lastFlush = now;
  }

  /** the flush failing now: its error and since when (ms), undefined while flushes succeed */
  flushError: { message: string; since: number } | undefined = undefined;

  /** rows dropped because flushes kept failing (see Writer.flush) */
  get lostRows(): number {
    return this.writer.lostRows;
  }

  /** Deletes rows past each tier's retention. */
  prune(store: FleetStore, now = Date.now()): void {
    prune(this.db, store, now);
  }

  /** Loads persisted history into a fresh store (nodes keep their last-seen time, so they show as down). */
  load(store: FleetStore, now = Date.now()): { routes: number; nodes: number; slots: number; skipped: number } {
    return loadHistory(this.db, store, now, this.writer.profilesWritten);
  }

  /** Writes every node's ingest state, once, at a graceful shutdown (saved-states.ts); returns how many. */
  saveStates(store: FleetStore): number {
    return saveStates(this.db, this.writer.insHist, store);
  }

  /** Restores the states saveStates() wrote (call after load()); returns how many. */
  loadStates(store: FleetStore): number {
    return loadStates(this.db, store);
  }

  /** Deletes the saved states once this process has started (its ports bound; see saved-states.ts). */
  dropSavedStates(): void {
    dropSavedStates(this.db);
  }

  close(): void {
    this.db.close();
  }
}
