// What the CPU was running when a finding about CPU time holds: the last CPU profile the agent took of one
// of the finding's nodes (it takes one when the loop is busy or stalls), reduced to its top code functions
// and phrased for the summary ("Profiled on node-1: 62% of the time in renderInvoice (billing/invoice.js:88) …").
// Likewise what a growing heap holds: the last heap profile of a leaking node (the agent takes one when its heap
// keeps growing), its largest allocation sites; and who makes the garbage on a node whose collector is busy: the
// last allocation profile (taken when GC takes a large share of the time), its sites that allocated the most.

import type { CpuProfile, HeapProfile, HeapSite, ProfileFunction } from '../api/types.js';
import { codeLocation } from '../api/paths.js';
import { fmtBytes, fmtPercent } from './texts.js';
import type { FindingKind } from './types.js';
import { WARMUP_MS } from './window.js';

/** kinds whose symptom is time on (or stuck in) the event-loop thread: a profile says whose time it is */
export const PROFILED_KINDS: ReadonlySet<FindingKind> = new Set(['event-loop-blocked', 'cpu-saturated', 'off-cpu', 'hot-route']);
/**
 * a profile counts for a finding when it ended at most this long before the finding was raised (ms): the
 * agent starts one at the first busy or stalled export, and a rule needs a few seconds to be sure
 */
export const PROFILE_LEAD_MS = 10_000;
/** …or, for a node named by live findings since before, one of that episode at most this old (ms) */
export const EPISODE_PROFILE_MS = 120_000;
/** functions a finding carries, and names in its summary (those with at least MIN_NAMED_SHARE) */
const TOP = 5;
const NAMED = 2;
const MIN_NAMED_SHARE = 0.05;

const NOT_CODE = new Set(['(idle)', '(other)', '(root)']);

/**
 * The top functions (or allocation sites) of code a finding can name: not the profile's bookkeeping entries, nor
 * Node's own code with no caller in the app (processTimers), which is nowhere to start from.
 */
function codeOnly<F extends { name: string; file: string; caller: unknown }>(functions: readonly F[]): F[] {
  return functions.filter((f) => !(f.file === '' && NOT_CODE.has(f.name)) && !(f.file.startsWith('node:') && f.caller === null)).slice(0, TOP);
}

/**
 * The profile of the first of `nodes` that has one from the finding's time, top code functions only. `notBefore`:
 * when each node last went quiet (its findings all cleared); a profile that began before then is of that earlier
 * episode (a blocked loop's finding, raised 9 s after the node's synchronous-wait episode had cleared, carried the
 * profile of that wait; zoo, CI).
 */
export function hotCodeFor(
  kind: FindingKind,
  nodes: readonly string[],
  since: number,
  profiles: ReadonlyMap<string, CpuProfile> | undefined,
  notBefore: (instance: string) => number = () => 0,
  startedAt: (instance: string) => number | undefined = () => undefined,
  episodeSince: (instance: string) => number | undefined = () => undefined,
): CpuProfile | undefined {
  if (profiles === undefined || !PROFILED_KINDS.has(kind)) return undefined;
  for (const instance of nodes) {
    const p = profiles.get(instance);
    // a finding raised right after its node's start-up (window.ts WARMUP_MS: a loop blocked from the start is judged
    // only then) may use a profile taken in the start-up; one raised while other findings have named its node for a
    // while, a profile of that episode up to EPISODE_PROFILE_MS old (a blocked loop raised after a minute of off-cpu on
    // a crowded host went without the episode's profile naming the code; verification); others one that ended at most
    // the lead before them
    const started = startedAt(instance);
    const episode = episodeSince(instance);
    const from = Math.min(
      started !== undefined && since - (started + WARMUP_MS) <= PROFILE_LEAD_MS ? started : since,
      episode !== undefined ? Math.max(episode, since - EPISODE_PROFILE_MS) : since,
    );
    const earliest = from - PROFILE_LEAD_MS;
    if (p === undefined || p.end < earliest || p.start < notBefore(instance)) continue;
    const functions = codeOnly(p.functions);
    // a profile of a loop that was mostly idle says nothing about this finding
    if (functions.length === 0 || functions[0].share < MIN_NAMED_SHARE) continue;
    return { ...p, functions };
  }
  return undefined;
}

/**
 * A function and where it is; V8's built-ins and Node's C++ bindings have no file, and their short names read as
 * words ("98.8% from from called from leakWork": Array.from), so they say what they are.
 */
function where(name: string, file: string, line: number): string {
  if (file === '') return name.startsWith('(') ? name : `${name} (native)`;
  return `${name} (${codeLocation(file, line)})`;
}

function what(f: Pick<ProfileFunction, 'name' | 'file' | 'line' | 'caller'>): string {
  if (f.file === '' && f.name === '(garbage collector)') return 'garbage collection';
  if (f.file === '' && f.name === '(program)') return "V8's and Node's native code";
  const own = where(f.name, f.file, f.line);
  return f.caller ? `${own} called from ${where(f.caller.name, f.caller.file, f.caller.line)}` : own;
}

/** "The CPU profile of node-1 points at a (x.js:3), 62% of its time: start there." */
export function hotCodeAdvice(p: CpuProfile): string {
  const top = p.functions[0];
  return top ? `The CPU profile of ${p.instance} points at ${what(top)}, ${fmtPercent(top.share)} of its time: start there.` : '';
}

/** "Profiled on node-1: 62% of the time in a (x.js:3), 20% in b (y.js:9) called from c (z.js:4)." or '' */
export function hotCodePhrase(p: CpuProfile): string {
  const named = p.functions.filter((f) => f.share >= MIN_NAMED_SHARE).slice(0, NAMED);
  if (named.length === 0) return '';
  const parts = named.map((f, i) => `${fmtPercent(f.share)}${i === 0 ? ' of the time' : ''} in ${what(f)}`);
  return `Profiled on ${p.instance}: ${parts.join(', ')}.`;
}

/**
 * a heap profile counts for a leak finding when it ended at most this long before the finding was raised (ms):
 * a leak holds for minutes, and what a profile found a few minutes ago is still what grows
 */
export const HEAP_PROFILE_LEAD_MS = 5 * 60_000;

/**
 * an allocation profile counts for a gc-pressure finding when it ended at most this long before the finding was
 * raised (ms): the agent takes one at the first export whose GC share crosses the line, then at most one a minute
 */
export const ALLOCATION_PROFILE_LEAD_MS = 60_000;

/**
 * The heap profile of the first of `nodes` that has one from the finding's time, top code sites only: ended at most
 * HEAP_PROFILE_LEAD_MS before the finding, and, when the growth's span (s) is known, no more than 30 s before that
 * growth began (an outside audit's leak finding carried a profile of other code, taken a minute earlier while the
 * heap was churning, and said to start there).
 */
export function heapProfileFor(
  kind: FindingKind,
  variant: string,
  nodes: readonly string[],
  since: number,
  profiles: ReadonlyMap<string, HeapProfile> | undefined,
  spanSeconds = Infinity,
  growthBytesPerSecond = 0,
): HeapProfile | undefined {
  if (kind !== 'memory-leak' || variant !== 'heap') return undefined;
  const p = freshSites(nodes, Math.max(since - HEAP_PROFILE_LEAD_MS, since - (spanSeconds + 30) * 1000), profiles);
  // a profile that found a fraction of the growth still held says little of what grows (an outside audit's "leak"
  // carried one holding 385 KiB of the 40 MiB it grew over the same 10 s, and named Node's timers as the code)
  if (p !== undefined && p.bytes < KEPT_SHARE * growthBytesPerSecond * ((p.end - p.start) / 1000)) return undefined;
  return p;
}

/** a heap profile joins a leak finding when what it found still held is at least this share of the growth over its time */
const KEPT_SHARE = 0.2;

/** The allocation profile of the first of `nodes` that has one from a gc-pressure finding's time, top code sites only. */
export function allocationProfileFor(kind: FindingKind, variant: string, nodes: readonly string[], since: number, profiles: ReadonlyMap<string, HeapProfile> | undefined): HeapProfile | undefined {
  if (kind !== 'gc-pressure' || variant !== 'share') return undefined;
  return freshSites(nodes, since - ALLOCATION_PROFILE_LEAD_MS, profiles);
}

function freshSites(nodes: readonly string[], endedAfter: number, profiles: ReadonlyMap<string, HeapProfile> | undefined): HeapProfile | undefined {
  if (profiles === undefined) return undefined;
  for (const instance of nodes) {
    const p = profiles.get(instance);
    if (p === undefined || p.end < endedAfter) continue;
    const functions = codeOnly(p.functions);
    if (functions.length === 0 || functions[0].share < MIN_NAMED_SHARE) continue;
    return { ...p, functions };
  }
  return undefined;
}

function seconds(p: HeapProfile): string {
  return `${Math.round((p.end - p.start) / 1000)} s`;
}

/** "Heap profile of node-1: of 48 MB allocated over 20 s and still held, 81% from a (x.js:3), 9% from b (y.js:9)." or '' */
export function heapPhrase(p: HeapProfile): string {
  const named = p.functions.filter((f) => f.share >= MIN_NAMED_SHARE).slice(0, NAMED);
  if (named.length === 0) return '';
  const parts = named.map((f: HeapSite) => `${fmtPercent(f.share)} from ${what(f)}`);
  return `Heap profile of ${p.instance}: of ${fmtBytes(p.bytes)} allocated over ${seconds(p)} and still held, ${parts.join(', ')}.`;
}

/** "The heap profile of node-1 points at a (x.js:3), 81% of what it allocated and kept: start there." */
export function heapAdvice(p: HeapProfile): string {
  const top = p.functions[0];
  return top ? `The heap profile of ${p.instance} points at ${what(top)}, ${fmtPercent(top.share)} of what was allocated and kept: start there.` : '';
}

/** "Allocation profile of node-1: 834 MB allocated over 2 s, 81% by a (x.js:3), 9% by b (y.js:9)." or '' */
export function allocationPhrase(p: HeapProfile): string {
  const named = p.functions.filter((f) => f.share >= MIN_NAMED_SHARE).slice(0, NAMED);
  if (named.length === 0) return '';
  const parts = named.map((f: HeapSite) => `${fmtPercent(f.share)} by ${what(f)}`);
  return `Allocation profile of ${p.instance}: ${fmtBytes(p.bytes)} allocated over ${seconds(p)}, ${parts.join(', ')}.`;
}

/** "The allocation profile of node-1 points at a (x.js:3), 81% of the bytes allocated: allocate less there …" */
export function allocationAdvice(p: HeapProfile): string {
  const top = p.functions[0];
  return top ? `The allocation profile of ${p.instance} points at ${what(top)}, ${fmtPercent(top.share)} of the bytes allocated: allocate less there (reuse objects and buffers, avoid intermediate arrays, strings and JSON round-trips).` : '';
}
