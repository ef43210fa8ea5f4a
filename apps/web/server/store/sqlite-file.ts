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

/**
 * A file of the dashboard's as it was opened, told apart from one deleted or replaced since by its device and inode:
 * SQLite goes on writing to an unlinked file, so what it holds since is gone once the process ends, unannounced
 * (outside audit AB5: perf.db; alerts.sqlite likewise).
 */
export class OpenedFile {
  readonly #id: string | undefined;
  /** when the file was found deleted or replaced, and what was said then; undefined while it is there */
  gone: { message: string; since: number } | undefined = undefined;

  /** `message`: what to say when it is found gone (a file not there when opened, e.g. in memory, is never). */
  constructor(
    readonly path: string,
    private readonly message: string,
  ) {
    this.#id = fileIdOf(path);
  }

  /** Looks again (a stat); the first time it is gone or replaced, says so through `say` and keeps it in `gone`. */
  check(now: number, say: (message: string) => void): void {
    if (this.gone !== undefined || this.#id === undefined || fileIdOf(this.path) === this.#id) return;
    say(this.message);
    this.gone = { message: this.message, since: now };
  }
}

/** A file's device and inode ("dev:ino"), undefined when it is not there. */
function fileIdOf(file: string): string | undefined {
  try {
    const st = statSync(file);
    return `${st.dev}:${st.ino}`;
  } catch {
    return undefined;
  }
}
