// CPU, heap and allocation profiles as the node page's panels and the findings show them: code functions worst first, the
// time the thread spent idle (CPU) and what lies past the agent's top list apart, file paths short enough to read.
import type { CpuProfile, HeapProfile, HeapSite, ProfileFunction } from '../../server/api/types.js';

/** What V8 reports as functions but is not the app's code; `(garbage collector)` and `(program)` are busy time. */
const IDLE = '(idle)';
const OTHER = '(other)';
const NOT_CODE = new Set([IDLE, OTHER, '(program)', '(garbage collector)', '(root)']);

/** True for a function of JavaScript code (the app's, a package's or Node's own), false for V8's buckets. */
export function isCode(f: Pick<ProfileFunction, 'name' | 'file'>): boolean {
  return !(f.file === '' && NOT_CODE.has(f.name));
}

// one rule for short paths, shared with the findings' sentences (server/api/paths.ts)
export { codeLocation, shortPath } from '../../server/api/paths.js';

/** The same in full, for a title attribute. */
export function fullLocation(file: string, line: number, column = 0): string {
  if (file === '') return '';
  return line > 0 ? `${file}:${line}${column > 0 ? `:${column}` : ''}` : file;
}

export interface ProfileTable {
  /** what the thread ran, worst first: code, `(garbage collector)`, `(program)` */
  rows: ProfileFunction[];
  /** share of the samples the thread was idle */
  idle: number;
  /** share spent in functions past the agent's top list */
  other: number;
}

/** A profile split into the functions it ran (worst first) and the idle and unlisted remainder. */
export function profileTable(p: CpuProfile): ProfileTable {
  let idle = 0;
  let other = 0;
  const rows: ProfileFunction[] = [];
  for (const f of p.functions) {
    if (f.file === '' && f.name === IDLE) idle += f.share;
    else if (f.file === '' && f.name === OTHER) other += f.share;
    else rows.push(f);
  }
  rows.sort((a, b) => b.share - a.share);
  return { rows, idle, other };
}

export interface HeapTable {
  /** the allocation sites, the most bytes first (live bytes of a heap profile, all allocated of an allocation profile) */
  rows: HeapSite[];
  /** the sites past the agent's top list, together */
  other: { bytes: number; share: number };
}

/** A heap (or allocation) profile split into its listed allocation sites (largest first) and the unlisted remainder. */
export function heapTable(p: HeapProfile): HeapTable {
  const other = { bytes: 0, share: 0 };
  const rows: HeapSite[] = [];
  for (const f of p.functions) {
    if (f.file === '' && f.name === OTHER) {
      other.bytes += f.bytes;
      other.share += f.share;
    } else rows.push(f);
  }
  rows.sort((a, b) => b.bytes - a.bytes);
  return { rows, other };
}

/**
 * The `n` code functions with the largest share (V8's buckets left out), worst first: self time of a CPU
 * profile, live bytes of a heap profile, bytes allocated of an allocation profile.
 */
export function topCode<F extends ProfileFunction | HeapSite>(p: { functions: readonly F[] }, n = 3): F[] {
  return p.functions
    .filter(isCode)
    .sort((a, b) => b.share - a.share)
    .slice(0, n);
}

/** The profile's length in seconds. */
export function profileSeconds(p: Pick<CpuProfile, 'start' | 'end'>): number {
  return Math.max(0, p.end - p.start) / 1000;
}

/** The newest profile of an answer of `GET /api/v1/profiles`, `/heap-profiles` or `/allocation-profiles` (newest first, but do not rely on it). */
export function latestProfile<P extends CpuProfile | HeapProfile>(list: readonly P[] | null | undefined): P | null {
  if (!list || list.length === 0) return null;
  let best = list[0];
  for (const p of list) if (p.end > best.end) best = p;
  return best;
}
