// Hysteresis so a finding does not flap: a candidate is raised after `raiseAfter` consecutive evaluations
// that see it, and cleared after `clearAfter` consecutive evaluations that do not.
//
//   absent ──seen──► pending(1..raiseAfter-1) ──seen──► active ──unseen──► clearing(1..clearAfter-1) ──unseen──► absent
//             ▲           │ unseen                          ▲                    │ seen
//             └───────────┘                                 └────────────────────┘

export interface HysteresisOptions {
  /** consecutive evaluations that must see a candidate before it is raised (default 2) */
  raiseAfter: number;
  /** consecutive evaluations without it before it is cleared (default 5) */
  clearAfter: number;
}

interface State<T> {
  hits: number;
  misses: number;
  active: boolean;
  /** Unix ms of the first evaluation of the current run of sightings (`since` once raised) */
  firstSeen: number;
  value: T;
}

export class Hysteresis<T> {
  readonly #states = new Map<string, State<T>>();
  readonly #raiseAfter: number;
  readonly #clearAfter: number;

  constructor(options: Partial<HysteresisOptions> = {}) {
    this.#raiseAfter = Math.max(1, options.raiseAfter ?? 2);
    this.#clearAfter = Math.max(1, options.clearAfter ?? 5);
  }

  /**
   * One evaluation: `seen` maps each candidate key to its latest value. Returns the active entries with
   * the time they were first seen; an active entry not seen keeps its last value until it clears. An active entry in
   * `held` and not seen is neither seen nor missed this evaluation (nothing could be told about it).
   */
  update(seen: ReadonlyMap<string, T>, now: number, held?: ReadonlySet<string>): { key: string; value: T; since: number }[] {
    for (const [key, value] of seen) {
      const s = this.#states.get(key);
      if (!s) {
        this.#states.set(key, { hits: 1, misses: 0, active: this.#raiseAfter <= 1, firstSeen: now, value });
        continue;
      }
      s.hits++;
      s.misses = 0;
      s.value = value;
      if (s.hits >= this.#raiseAfter) s.active = true;
    }
    for (const [key, s] of this.#states) {
      if (seen.has(key) || (s.active && held?.has(key) === true)) continue;
      s.misses++;
      s.hits = 0;
      // pending candidates vanish at once; active ones only after clearAfter quiet evaluations
      if (!s.active || s.misses >= this.#clearAfter) this.#states.delete(key);
    }
    const out: { key: string; value: T; since: number }[] = [];
    for (const [key, s] of this.#states) if (s.active) out.push({ key, value: s.value, since: s.firstSeen });
    return out;
  }

  clear(): void {
    this.#states.clear();
  }
}
