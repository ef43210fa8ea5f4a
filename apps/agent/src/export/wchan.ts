/**
 * Where the app's thread sleeps, sampled while a CPU profile runs: /proc/<pid>/task/<pid>/wchan names the kernel
 * function a sleeping thread waits in (`do_epoll_wait` when the event loop is idle in epoll, `futex_do_wait` in
 * Atomics.wait, a pipe or socket read in a synchronous call, `0` while it runs). During a profile libuv's own idle
 * accounting is wrong (see correctUtilization), and this tells an idle loop from one asleep in a blocking call,
 * which the thread's CPU time cannot. One small read every 5 ms on the export thread, only while a profile runs.
 */
import { existsSync, readFileSync } from 'node:fs';

const EVERY_MS = 5;
/** samples needed for an estimate */
const MIN_SAMPLES = 20;

export class WchanSampler {
  readonly #file = `/proc/${process.pid}/task/${process.pid}/wchan`;
  readonly #available = process.platform === 'linux' && existsSync(this.#file);
  #timer: NodeJS.Timeout | undefined;
  #samples = 0;
  #idle = 0;
  /** whether any sample named a function (a kernel that hides wchan shows `0` always) */
  #named = false;

  start(): void {
    if (!this.#available || this.#timer !== undefined) return;
    this.#timer = setInterval(() => this.#sample(), EVERY_MS);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** The loop's busy share over the samples since the last call (undefined without enough of them), and resets. */
  take(): number | undefined {
    const busy = this.#samples >= MIN_SAMPLES && this.#named ? (this.#samples - this.#idle) / this.#samples : undefined;
    this.#samples = 0;
    this.#idle = 0;
    this.#named = false;
    return busy;
  }

  #sample(): void {
    let where: string;
    try {
      where = readFileSync(this.#file, 'latin1');
    } catch {
      return;
    }
    this.#samples++;
    if (where !== '0' && where !== '') this.#named = true;
    if (where.includes('epoll')) this.#idle++;
  }
}
