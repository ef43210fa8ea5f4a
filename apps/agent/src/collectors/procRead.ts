/**
 * How the /proc-based collectors (fds, netstat) read: in the export thread synchronously, at collect
 * time (blocking only that thread); on the app's thread (Prometheus scrapes) asynchronously, so each
 * collect reports the last completed read and starts the next. A failed read (/proc unreadable, e.g. in
 * a sandbox) keeps what was read before; nothing is reported until a read succeeds.
 */
export class ProcRead {
  private reading = false;

  /**
   * @param sync read at collect time (export thread) rather than in the background (app's thread)
   * @param readSync one synchronous read; it stores what it read itself
   * @param readAsync one asynchronous read, likewise
   */
  constructor(
    readonly sync: boolean,
    private readonly supported: boolean,
    private readonly readSync: () => void,
    private readonly readAsync: () => Promise<void>,
  ) {}

  /** At start: the app's thread begins its first background read. */
  start(): void {
    if (!this.sync) this.refresh();
  }

  /** Around a collect: fresh values first when synchronous, the next background read after reporting. */
  collect(report: () => void): void {
    if (this.sync) this.refresh();
    report();
    if (!this.sync) this.refresh();
  }

  private refresh(): void {
    if (!this.supported || this.reading) return;
    if (this.sync) {
      try {
        this.readSync();
      } catch {
        // keep what was read before
      }
      return;
    }
    this.reading = true;
    this.readAsync()
      .catch(() => {
        // keep what was read before
      })
      .finally(() => {
        this.reading = false;
      });
  }
}
