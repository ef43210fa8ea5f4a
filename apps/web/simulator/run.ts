import { FleetSimulator, type SimulatorOptions } from './fleet.js';
import { OtlpSender, type SenderOptions } from './send.js';

export interface RunOptions {
  /** seconds to run; undefined runs until stop() */
  duration?: number;
  /** called after each second's exports were all answered: (second, creation time of its first point) */
  onSecond?: (second: number, createdAtMs: number) => void;
  /** spread each second's exports over this share of the second (real agents export at random phases); default 0.8 */
  spread?: number;
  /** called as each export is created: (node index, Unix second, creation time in ms) */
  onExport?: (node: number, second: number, createdAtMs: number) => void;
}

export interface RunningSimulation {
  sim: FleetSimulator;
  sender: OtlpSender;
  /** resolves when the run ends */
  done: Promise<void>;
  stop(): void;
  /** completed seconds (Unix seconds whose exports were all answered) */
  readonly completed: number[];
}

/**
 * Runs a simulator against a receiver: every second each node exports once, at a fixed phase inside the
 * second (node i at i/N of `spread`), with the point time equal to the send time.
 */
export function runSimulation(simOptions: SimulatorOptions | FleetSimulator, sendOptions: SenderOptions, run: RunOptions = {}): RunningSimulation {
  const sim = simOptions instanceof FleetSimulator ? simOptions : new FleetSimulator(simOptions);
  const sender = new OtlpSender(sendOptions);
  const spread = run.spread ?? 0.8;
  const completed: number[] = [];
  let stopped = false;
  let timers: NodeJS.Timeout[] = [];
  let finish: () => void = () => {};
  const done = new Promise<void>((r) => (finish = r));
  let ran = 0;

  const second = () => {
    if (stopped) return;
    const base = Math.floor(Date.now() / 1000) * 1000;
    const sec = base / 1000;
    const n = sim.nodes.length;
    const pending: Promise<unknown>[] = [];
    let firstCreated = 0;
    sim.beginSecond(ran);
    timers = [];
    // batches of nodes share a timer: at most 50 timers a second however many nodes
    const batches = Math.min(n, 50);
    for (let b = 0; b < batches; b++) {
      const from = Math.floor((b * n) / batches);
      const to = Math.floor(((b + 1) * n) / batches);
      const at = base + Math.floor((b / batches) * spread * 1000) + 5;
      let resolveBatch: () => void = () => {};
      pending.push(new Promise<void>((r) => (resolveBatch = r)));
      timers.push(
        setTimeout(() => {
          const sends: Promise<unknown>[] = [];
          for (let i = from; i < to; i++) {
            const now = Math.max(Date.now(), base);
            if (firstCreated === 0) firstCreated = now;
            const req = sim.generateNode(i, Math.min(now, base + 999));
            if (req !== undefined) run.onExport?.(i, sec, now);
            if (req !== undefined) sends.push(sender.send(req));
          }
          void Promise.all(sends).then(() => resolveBatch());
        }, Math.max(0, at - Date.now())),
      );
    }
    void Promise.all(pending).then(() => {
      completed.push(sec);
      run.onSecond?.(sec, firstCreated);
    });
    ran++;
    if (run.duration !== undefined && ran >= run.duration) {
      void Promise.all(pending).then(() => finish());
      return;
    }
    timers.push(setTimeout(second, base + 1000 - Date.now()));
  };
  timers.push(setTimeout(second, 1000 - (Date.now() % 1000)));

  return {
    sim,
    sender,
    done,
    completed,
    stop() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      finish();
    },
  };
}
