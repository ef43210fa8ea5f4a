// The zoo's causes: real work that produces each bottleneck inside a real Node.js server process. Each
// cause is switched on and off at runtime (IPC message from the fleet, or ZOO_CAUSES at start).

import { pbkdf2Sync } from 'node:crypto';
import { openSync, closeSync } from 'node:fs';

export const CAUSES = ['block', 'cpu', 'churn', 'leak', 'errors', 'fds', 'wait', 'hang'] as const;
export type CauseName = (typeof CAUSES)[number];

/** What is switched on in this process. */
export const active = new Set<CauseName>();

/** block: a synchronous key derivation (~100–200 ms here) on the request path: the event loop stops. */
export function blockingWork(): void {
  pbkdf2Sync('correct horse battery staple', 'salt', active.has('block') ? 150_000 : 50, 64, 'sha512');
}

/**
 * wait: a 30 ms synchronous wait on the request path that uses no CPU (Atomics.wait, standing for
 * child_process.execSync, a synchronous native driver or fs.*Sync on a slow disk): the event loop is busy
 * most of the time while the process sits off the CPU.
 */
const waitCell = new Int32Array(new SharedArrayBuffer(4));
export function syncWait(): void {
  if (active.has('wait')) Atomics.wait(waitCell, 0, 0, 30);
}

/**
 * cpu: 100 ms of CPU per request in 2 ms slices with the loop free in between: the process runs out of
 * CPU (utilisation near 1) while no single task blocks the loop for long.
 */
export async function cpuWork(): Promise<number> {
  const ms = active.has('cpu') ? 100 : 0.2;
  let acc = 0;
  let left = ms;
  // a request stops its work when the cause is switched off (the fix is deployed), so the backlog drains at once
  while (left > 0 && (ms < 1 || active.has('cpu'))) {
    const slice = Math.min(2, left);
    const until = performance.now() + slice;
    while (performance.now() < until) acc += Math.sqrt(acc + 1);
    left -= slice;
    if (left > 0) await new Promise((r) => setImmediate(r));
  }
  return acc;
}

// churn: many objects per request kept alive for a few seconds, so they survive scavenges, are promoted
// and die in the old generation (the expensive pattern: buffers of parsed rows, per-request caches)
// (measured alone at 20 req/s under --max-semi-space-size=1: 8 batches kept for 6 requests put only 8–11% of
// wall time in GC, on the gc-pressure rule's 10% line, so the finding came late or never on a quiet machine;
// 16 batches kept for 12 requests put 20–32% there, clearly a GC problem, with the node ≈ 40% busy)
const churnRing: unknown[] = new Array(192).fill(null);
let churnAt = 0;
export function churnWork(): void {
  if (!active.has('churn')) return;
  for (let k = 0; k < 16; k++) {
    const rows = new Array(4000);
    for (let i = 0; i < rows.length; i++) rows[i] = { id: i, name: `row-${i}`, tags: [i, i + 1] };
    churnRing[churnAt++ % churnRing.length] = rows;
  }
}

// leak: an unbounded cache keyed by request id, ~1 MB of heap per request. Capped at 600 MB so the demo
// machine survives (the cap empties it: a restart's saw-tooth); cleared when the cause is switched off.
const LEAK_CAP = 600;
let leakCache = new Map<number, number[][]>();
let leakKey = 0;
export function leakWork(): void {
  if (!active.has('leak')) {
    if (leakCache.size > 0) leakCache = new Map();
    return;
  }
  if (leakCache.size >= LEAK_CAP) leakCache = new Map();
  // 8 arrays of 16 Ki doubles (128 KiB each, on the JS heap; strings would not do: V8 builds repeated
  // strings as ropes of a few bytes)
  const chunk: number[][] = [];
  for (let i = 0; i < 8; i++) chunk.push(new Array<number>(16 * 1024).fill(leakKey + i + 0.5));
  leakCache.set(leakKey++, chunk);
}

/** errors: the route fails with 503 (a broken dependency) */
export function failing(): boolean {
  return active.has('errors');
}

/**
 * hang: 1 request in 3 is never answered (a promise that never settles, a reply missing on an error branch): its client
 * waits (the zoo's load gives up after 15 s). Held here until the cause is switched off, when their connections are
 * dropped, as a fixed process's restart would drop them.
 */
const hung = new Set<{ destroy(): void }>();
let hangAt = 0;
export function hangs(res: { destroy(): void; once(event: 'close', fn: () => void): void }): boolean {
  if (!active.has('hang') || hangAt++ % 3 !== 0) return false;
  hung.add(res);
  res.once('close', () => hung.delete(res));
  return true;
}
export function releaseHung(): void {
  if (active.has('hang')) return;
  for (const res of hung) res.destroy();
  hung.clear();
}

// fds: descriptors opened and never closed, up to 95% of the soft limit (what a socket leak does)
const held: number[] = [];
export function fdWork(limit: number): void {
  if (!active.has('fds')) {
    while (held.length > 0) closeSync(held.pop()!);
    return;
  }
  const target = Math.floor(limit * 0.95) - 64;
  for (let i = 0; i < 200 && held.length < target; i++) {
    try {
      held.push(openSync('/dev/null', 'r'));
    } catch {
      break;
    }
  }
}
