/** Store settings. Times in seconds unless named otherwise. */
export interface Tier {
  /** resolution (s) */
  step: number;
  /** how far back the tier reaches (s) */
  retention: number;
}

/**
 * The tier after the finest (10 s by default; the finest when there is only one): its step is the nodes' window
 * histograms' and the route rows' beyond 15 min, and catch-up spans are spread for as long as it keeps them.
 */
export function secondTier(options: Pick<StoreOptions, 'tiers'>): Tier {
  return options.tiers[Math.min(1, options.tiers.length - 1)];
}

export interface StoreOptions {
  /** Netdata-like tiers, finest first. Default: 1 s for 15 min, 10 s for 6 h, 1 min for 24 h, 10 min for 7 d. */
  tiers: Tier[];
  /**
   * Distinct series per service (metric + attributes, across its instances) before new ones are folded
   * (PERF_MAX_SERIES_PER_SERVICE). 1,000 instances exporting the same 50 series are 50 here.
   */
  maxSeriesPerService: number;
  /** instances per service before new ones are folded (PERF_MAX_NODES_PER_SERVICE). */
  maxNodesPerService: number;
  /** distinct series across all services before new ones are folded (PERF_MAX_SERIES). */
  maxSeries: number;
  /** instances across all services before new ones are folded (PERF_MAX_NODES). */
  maxNodes: number;
  /** services before the points of a new one are refused (PERF_MAX_SERVICES): the per-service caps bound nothing otherwise. */
  maxServices: number;
  /** a node is shown down after this long without data (ms). */
  nodeDownAfterMs: number;
  /** a down node and its data are dropped after this long without data (ms). */
  nodeRetentionMs: number;
  /** scale cap of fleet-level route and event-loop histograms (6 → 0.54% quantile error). */
  fleetScale: number;
  /** scale cap of per-node histograms (3 → 4.3%; node rows are for ranking, fleet numbers come from fleet histograms). */
  nodeScale: number;
  /** seconds a second stays open for late data before it is rolled up and persisted. */
  settleSeconds: number;
}

/**
 * Every tier holds a histogram per route and slot and a row per node and slot, so a tier's cost is its slot count:
 * a week at 1 min was 10,080 slots, ≈ 31 MB per busy route and 1.1 MB per node (durability audit), where 24 h at
 * 1 min and a week at 10 min are 2,448 (a chart of a week draws ≈ 250 points either way).
 */
export const DEFAULT_TIERS: Tier[] = [
  { step: 1, retention: 15 * 60 },
  { step: 10, retention: 6 * 3600 },
  { step: 60, retention: 86400 },
  { step: 600, retention: 7 * 86400 },
];

export function defaultStoreOptions(overrides: Partial<StoreOptions> = {}): StoreOptions {
  return {
    tiers: DEFAULT_TIERS,
    maxSeriesPerService: 10_000,
    maxNodesPerService: 5_000,
    maxNodes: 5_000,
    maxSeries: 50_000,
    maxServices: 200,
    nodeDownAfterMs: 10_000,
    nodeRetentionMs: 15 * 60_000,
    fleetScale: 6,
    nodeScale: 3,
    settleSeconds: 3,
    ...overrides,
  };
}

/** The shortest longest retention PERF_TIERS may give (s): the UI's shortest range, read before it knows the tiers. */
export const MIN_RETENTION = 300;

/** Parses `PERF_TIERS` like `1s:15m,10s:6h,1m:7d`. Throws with a sentence on bad input. */
export function parseTiers(text: string): Tier[] {
  const tiers = text.split(',').map((part) => {
    const [step, retention] = part.trim().split(':');
    const t = { step: parseDuration(step ?? ''), retention: parseDuration(retention ?? '') };
    if (!(t.step > 0 && t.retention >= t.step)) throw new Error(`PERF_TIERS: "${part}" is not "<step>:<retention>", e.g. 1s:15m`);
    return t;
  });
  for (let i = 1; i < tiers.length; i++) {
    if (tiers[i].step % tiers[i - 1].step !== 0) throw new Error('PERF_TIERS: each step must be a multiple of the previous one');
  }
  // the live views, ingest and the diagnosis read the finest tier second by second; the UI's shortest range is 5 min
  // (with 1s:10s every page read 400: outside audit AB7)
  if (tiers[0].step !== 1) throw new Error(`PERF_TIERS: the finest tier's step must be 1s (the live views and the diagnosis read seconds), not ${text.split(',')[0].split(':')[0]}`);
  if (Math.max(...tiers.map((t) => t.retention)) < MIN_RETENTION) throw new Error('PERF_TIERS: the longest retention must be at least 5m (the UI\'s shortest range)');
  return tiers;
}

/** `90`, `90s`, `15m`, `6h`, `7d` → seconds; NaN when malformed. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) return NaN;
  const n = Number(m[1]);
  switch (m[2]) {
    case 'ms':
      return n / 1000;
    case 'm':
      return n * 60;
    case 'h':
      return n * 3600;
    case 'd':
      return n * 86400;
    default:
      return n;
  }
}
