// A SQLite file of the dashboard's (perf.db, alerts.sqlite) that turns out damaged: told from other reasons a file
// cannot be opened, and moved aside with its WAL files so a fresh one can start.
import { existsSync, renameSync, statSync } from 'node:fs';

/** Whether an error opening or checking a SQLite file says the file itself is damaged (not permissions, a lock, …). */
export function isDamagedFile(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB')) return true;
  return (err as Error).message?.startsWith('integrity check:') === true;
}

/** Renames the file (and its -wal, -shm) to `<file>.corrupt-<time>`; returns that name. */
export function moveAside(file: string): string {
  const aside = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  for (const suffix of ['', '-wal', '-shm']) if (existsSync(file + suffix)) renameSync(file + suffix, aside + suffix);
  return aside;
}

/** A file's device and inode ("dev:ino"), undefined when it is not there: one deleted or replaced is told by them. */
export function fileIdOf(file: string): string | undefined {
  try {
    const st = statSync(file);
    return `${st.dev}:${st.ino}`;
  } catch {
    return undefined;
  }
}
