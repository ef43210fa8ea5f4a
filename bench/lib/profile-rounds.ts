// What a profile taken by a worker thread costs the app's thread (bench/overhead/profile-cost.ts and
// heap-profile-cost.ts): the app does 1 ms slices of `work` back to back (setImmediate between them) while the
// worker, told 'start', runs one profile of `phaseMs`. Interleaved rounds: `phaseMs` without a profile, then one
// profile. Per round: the app's work while profiled as a ratio to the round's own baseline, the longest gap
// between slices (baseline, and in the 200 ms after the profile's start and after its end: what the loop felt),
// how long the stop and the reduction took past `phaseMs` as the worker saw it, and the worker's answer to `ask`.
import type { Worker } from 'node:worker_threads';

export interface ProfileRound<A> {
  /** the app's slices while profiled ÷ without */
  work: number;
  baseGapMs: number;
  startGapMs: number;
  endGapMs: number;
  /** ms past `phaseMs` until the worker said the profile ended */
  stopMs: number;
  answer: A;
}

/**
 * The worker posts `{ running, ms }` when a profile starts and ends (ms since 'start'), answers `ask` with one
 * message, and ends on 'exit'.
 */
export async function profileRounds<A>(worker: Worker, options: { rounds: number; phaseMs: number; ask: string; work: () => void }): Promise<ProfileRound<A>[]> {
  const { rounds, phaseMs, ask, work } = options;
  let slices = 0;
  let maxGap = 0;
  let last = performance.now();
  let running = true;
  const slice = (): void => {
    const now = performance.now();
    if (now - last > maxGap) maxGap = now - last;
    const until = now + 1;
    while (performance.now() < until) work();
    slices++;
    last = performance.now();
    if (running) setImmediate(slice);
  };
  slice();

  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const next = <T>() => new Promise<T>((r) => worker.once('message', r));
  const out: ProfileRound<A>[] = [];
  for (let round = 0; round < rounds; round++) {
    slices = 0;
    maxGap = 0;
    let t = performance.now();
    await sleep(phaseMs);
    const base = slices / (performance.now() - t);
    const baseGapMs = maxGap;
    slices = 0;
    maxGap = 0;
    t = performance.now();
    const started = next<{ ms: number }>();
    worker.postMessage('start');
    await started;
    await sleep(200);
    const startGapMs = maxGap;
    const stopped = await next<{ ms: number }>();
    const during = slices / (performance.now() - t);
    maxGap = 0;
    await sleep(200);
    const endGapMs = maxGap;
    const answer = next<A>();
    worker.postMessage(ask);
    out.push({ work: during / base, baseGapMs, startGapMs, endGapMs, stopMs: stopped.ms - phaseMs, answer: await answer });
  }
  running = false;
  worker.postMessage('exit');
  return out;
}

export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The rounds as a table with a median row; `extra` gives each round's own columns (numbers, medians taken too). */
export function profileTable<A>(rounds: readonly ProfileRound<A>[], phaseMs: number, extraHeaders: string[], extra: (a: A) => number[]): { headers: string[]; rows: string[][] } {
  const cols = (r: ProfileRound<A>) => [r.work, r.baseGapMs, r.startGapMs, r.endGapMs, r.stopMs, ...extra(r.answer)];
  const fmt = (v: number[]) => [v[0].toFixed(3), ...v.slice(1, 5).map((x) => x.toFixed(1)), ...v.slice(5).map(String)];
  const all = rounds.map(cols);
  const medians = all[0].map((_, i) => median(all.map((r) => r[i])));
  return {
    headers: ['round', "app's work while profiled (× baseline)", 'longest gap, baseline (ms)', 'longest gap after start (ms)', 'longest gap after end (ms)', `stop and reduce (ms past the ${phaseMs / 1000} s, worker)`, ...extraHeaders],
    rows: [...all.map((v, i) => [String(i + 1), ...fmt(v)]), ['median', ...fmt(medians)]],
  };
}
