// Findings as the panel shows them: most severe and oldest first, evidence flattened to label/value lines.
import type { CpuProfile, Finding, HeapProfile } from '../../server/api/types.js';
import { hrefFor, serializeViewState, type ViewState } from '../url-state.js';

const RANK: Record<string, number> = { critical: 0, warning: 1, info: 2 };

export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort((a, b) => (RANK[a.severity] ?? 3) - (RANK[b.severity] ?? 3) || a.since - b.since);
}

/** The finder's additive cause links (ids of live findings of the same service; see server/diagnose/causes.ts). */
export interface LinkedFinding extends Finding {
  id?: string;
  causedBy?: string[];
  explains?: string[];
}

export interface FindingRow {
  finding: Finding;
  /** 0 for a root cause or an unlinked finding; 1 + its cause's depth for a consequence shown under it */
  depth: number;
  /** summary of the finding this one is shown under (depth > 0) */
  under?: string;
}

/**
 * Findings grouped by cause: each root cause (a finding none of the listed ones explains) is followed by the
 * findings it explains, and theirs, each shown once under its first listed cause. Groups are ordered like
 * `sortFindings` by the most severe finding in them, so a warning that explains a critical symptom comes first.
 */
export function groupFindings(findings: readonly Finding[]): FindingRow[] {
  const sorted = sortFindings(findings) as LinkedFinding[];
  const position = new Map<Finding, number>(sorted.map((f, i) => [f, i]));
  const byId = new Map(sorted.filter((f) => f.id !== undefined).map((f) => [f.id!, f]));
  /** the cause a finding is shown under: the first of its listed causes in severity order */
  const parent = new Map<Finding, LinkedFinding>();
  for (const f of sorted) {
    const causes = (f.causedBy ?? []).map((id) => byId.get(id)).filter((c): c is LinkedFinding => c !== undefined && c !== f);
    if (causes.length > 0) parent.set(f, causes.sort((a, b) => position.get(a)! - position.get(b)!)[0]);
  }
  const placed = new Set<Finding>();
  const place = (f: LinkedFinding, depth: number, rows: FindingRow[], under?: string) => {
    placed.add(f);
    rows.push({ finding: f, depth, under });
    for (const e of sorted) if (parent.get(e) === f && !placed.has(e)) place(e, depth + 1, rows, f.summary);
  };
  const groups: FindingRow[][] = [];
  for (const f of sorted) {
    if (parent.has(f) || placed.has(f)) continue;
    const rows: FindingRow[] = [];
    place(f, 0, rows);
    groups.push(rows);
  }
  // what a cycle of links left out (the server's links form none; be safe anyway)
  for (const f of sorted) if (!placed.has(f)) groups.push([{ finding: f, depth: 0 }]);
  // a group goes where its most severe (then oldest) member would
  const first = (rows: FindingRow[]) => Math.min(...rows.map((r) => position.get(r.finding)!));
  return groups.sort((a, b) => first(a) - first(b)).flatMap((rows) => rows);
}

function show(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)));
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map(show).join(', ');
  return JSON.stringify(v);
}

/** Evidence in any of its shapes (object, list of sentences, one sentence) as [label, text] pairs. */
export function evidenceEntries(evidence: Finding['evidence']): [string, string][] {
  if (typeof evidence === 'string') return [['evidence', evidence]];
  if (Array.isArray(evidence)) return evidence.map((e) => ['evidence', show(e)]);
  if (evidence && typeof evidence === 'object') return Object.entries(evidence).map(([k, v]) => [k, show(v)]);
  return [];
}

/** The finder's additive fields: each evidence line's numbers with the node or route whose charts show them. */
export interface FindingWithCharts extends Finding {
  service?: string;
  metrics?: { metric: string; instance?: string; route?: string }[];
}

/** The finder's additive CPU profile: what a CPU-time finding's node ran (see server/diagnose/types.ts). */
export interface FindingWithHotCode extends Finding {
  hotCode?: CpuProfile;
}

/** The finder's additive heap profile: what a heap-leak finding's node allocated and kept (see server/diagnose/types.ts). */
export interface FindingWithHeapProfile extends Finding {
  heapProfile?: HeapProfile;
}

/**
 * The finder's additive allocation profile: who makes the garbage on a gc-pressure finding's node, everything its
 * top sites allocated during the profile (see server/diagnose/types.ts).
 */
export interface FindingWithAllocations extends Finding {
  allocations?: HeapProfile;
}

/** True for a profile-shaped value: the functions and the window every view of a profile reads. */
function isUsableProfile(v: unknown): v is { functions: unknown[]; start: number; end: number } {
  if (v === null || typeof v !== 'object') return false;
  const p = v as { functions?: unknown; start?: unknown; end?: unknown };
  return Array.isArray(p.functions) && Number.isFinite(p.start) && Number.isFinite(p.end);
}

/** A finding's `hotCode` when it carries a usable one (older servers send none). */
export function hotCodeOf(f: Finding): CpuProfile | null {
  const h: unknown = (f as FindingWithHotCode).hotCode;
  return isUsableProfile(h) ? (h as CpuProfile) : null;
}

/** A finding's `heapProfile` when it carries a usable one (older servers send none), its total bytes included. */
export function heapProfileOf(f: Finding): HeapProfile | null {
  return usableHeapProfile((f as FindingWithHeapProfile).heapProfile);
}

/** A finding's `allocations` when it carries a usable allocation profile (older servers send none), its total bytes included. */
export function allocationsOf(f: Finding): HeapProfile | null {
  return usableHeapProfile((f as FindingWithAllocations).allocations);
}

function usableHeapProfile(h: unknown): HeapProfile | null {
  return isUsableProfile(h) && Number.isFinite((h as HeapProfile).bytes) ? (h as HeapProfile) : null;
}

/** The page a findings panel is on, so evidence it shows itself links within the page. */
export type ChartPage = { kind: 'overview' } | { kind: 'node'; instance: string } | { kind: 'route'; method: string; route: string };

/**
 * The chart (its element id, see ChartLine's figure) that shows a metric on each kind of page. The node page
 * draws every runtime series of one node; the route and overview pages the request series.
 */
const CHART_ON: Record<ChartPage['kind'], Record<string, string>> = {
  node: {
    rps: 'chart-rps',
    errorRate: 'chart-error-rate',
    'latency.p50': 'chart-latency',
    'latency.p90': 'chart-latency',
    'latency.p99': 'chart-latency',
    'latency.p999': 'chart-latency',
    'eventLoopDelay.p99': 'chart-event-loop',
    'eventLoopDelay.max': 'chart-event-loop',
    elu: 'chart-elu',
    cpu: 'chart-cpu',
    cpuThrottled: 'chart-cpu-throttled',
    runDelay: 'chart-run-delay',
    heapUsed: 'chart-heap',
    heapLimit: 'chart-heap',
    gcShare: 'chart-gc',
    gcPause: 'chart-gc',
    rss: 'chart-rss',
    handles: 'chart-handles',
    fds: 'chart-handles',
    listenQueue: 'chart-listen-queue',
  },
  route: {
    rps: 'chart-rps',
    errorRate: 'chart-error-rate',
    'latency.p50': 'chart-latency',
    'latency.p90': 'chart-latency',
    'latency.p99': 'chart-latency',
    'latency.p999': 'chart-latency',
  },
  overview: {
    rps: 'chart-rps',
    errorRate: 'chart-error-rate',
    'latency.p50': 'chart-latency',
    'latency.p90': 'chart-latency',
    'latency.p99': 'chart-latency',
    'latency.p999': 'chart-latency',
    'eventLoopDelay.p99': 'chart-event-loop',
    'eventLoopDelay.max': 'chart-event-loop',
  },
};

/** `#chart-…` for a metric on a kind of page, or '' when that page has no chart of it. */
function chartHash(kind: ChartPage['kind'], metric: string): string {
  const id = CHART_ON[kind][metric];
  return id ? `#${id}` : '';
}

function splitRoute(name: string): { method: string; route: string } {
  const space = name.indexOf(' ');
  return space > 0 ? { method: name.slice(0, space), route: name.slice(space + 1) } : { method: '*', route: name };
}

/** "GET /x" → the route page (its latency, heatmap and error charts). */
export function routeHref(name: string, service: string | undefined, view: ViewState): string {
  const r = splitRoute(name);
  const p = new URLSearchParams(serializeViewState(view));
  p.set('method', r.method);
  p.set('route', r.route);
  if (!view.service && service) p.set('service', service);
  return `/routes/detail?${p.toString()}`;
}

/**
 * Evidence line i links to the chart that shows it: on this page when the page draws it (the node's own
 * page, the route's own page, the overview for fleet-wide numbers), else on the node's page, else on the
 * route's page, scrolled to the chart.
 */
export function evidenceHref(f: Finding, i: number, view: ViewState, page: ChartPage = { kind: 'overview' }): string | undefined {
  const m = (f as FindingWithCharts).metrics?.[i];
  if (!m) return undefined;
  if (m.instance) {
    const hash = chartHash('node', m.metric);
    if (page.kind === 'node' && page.instance === m.instance) return hash || undefined;
    return `${hrefFor(`/nodes/${encodeURIComponent(m.instance)}`, view)}${hash}`;
  }
  if (m.route) {
    const hash = chartHash('route', m.metric);
    const r = splitRoute(m.route);
    if (page.kind === 'route' && page.route === r.route && (page.method === r.method || r.method === '*')) return hash || undefined;
    return `${routeHref(m.route, (f as FindingWithCharts).service, view)}${hash}`;
  }
  // fleet-wide numbers: the overview's charts
  const hash = chartHash('overview', m.metric);
  if (!hash) return undefined;
  return page.kind === 'overview' ? hash : `${hrefFor('/', view)}${hash}`;
}
