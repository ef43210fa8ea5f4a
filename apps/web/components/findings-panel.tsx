'use client';
// The live diagnosis: what the bottleneck is, the evidence, and which nodes and routes it concerns.
import { Link } from '../lib/link.js';
import { memo } from 'react';
import type { Finding, HeapProfile, HeapSite, ProfileFunction } from '../server/api/types.js';
import { formatAgo, formatBytes, formatDuration, formatExact, formatPercent } from '../lib/format.js';
import { allocationsOf, evidenceEntries, evidenceHref, groupFindings, heapProfileOf, hotCodeOf, routeHref, type ChartPage, type FindingWithCharts } from '../lib/mappers/findings.js';
import { codeLocation, fullLocation, profileSeconds, topCode } from '../lib/mappers/profile.js';
import { hrefFor, type ViewState } from '../lib/url-state.js';

export interface FindingsPanelProps {
  findings: Finding[] | null;
  view: ViewState;
  now: number;
  /** The page the panel is on: evidence shown by a chart of this page links to that chart (`#chart-…`). */
  page?: ChartPage;
  /** The sentence shown when there is no finding (defaults to the fleet-wide one). */
  emptyText?: string;
  /**
   * Nodes in scope that went silent without saying they stop: said first, since the finder judges only the nodes that
   * report (a killed node left "No bottleneck found" as the panel's only line; outside UI audit).
   */
  down?: readonly { instance: string; lastSeen: number }[];
}

/** At most this many down nodes named; the rest counted. */
const DOWN_NAMED = 5;

function DownNodes({ down, view, now }: { down: readonly { instance: string; lastSeen: number }[]; view: ViewState; now: number }) {
  const named = [...down].sort((a, b) => b.lastSeen - a.lastSeen).slice(0, DOWN_NAMED);
  return (
    <p className="finding critical" data-testid="findings-down">
      <span className="badge critical">down</span>{' '}
      <strong>
        {down.length === 1 ? '1 node' : `${down.length} nodes`} stopped reporting without saying {down.length === 1 ? 'it stops' : 'they stop'}
      </strong>{' '}
      (crashed, killed, or cut off from the dashboard):{' '}
      {named.map((n, i) => (
        <span key={n.instance}>
          {i > 0 ? ', ' : ''}
          <Link href={hrefFor(`/nodes/${encodeURIComponent(n.instance)}`, view)}>{n.instance}</Link> <span className="muted">(last heard {formatAgo(now - n.lastSeen)})</span>
        </span>
      ))}
      {down.length > named.length ? ` and ${down.length - named.length} more` : ''}. The findings below are about the nodes that report.
    </p>
  );
}

function FindingsPanelImpl({ findings, view, now, page = { kind: 'overview' }, emptyText, down = [] }: FindingsPanelProps) {
  const list = findings ? groupFindings(findings) : null;
  return (
    <section className="panel findings" aria-labelledby="findings-title" data-testid="findings-panel">
      <h2 id="findings-title">Findings</h2>
      {down.length > 0 && list !== null ? <DownNodes down={down} view={view} now={now} /> : null}
      {list === null ? (
        <p className="muted">Loading…</p>
      ) : list.length === 0 ? (
        <p className="muted" data-testid="findings-empty">
          {emptyText ??
            (down.length > 0
              ? 'No bottleneck found on the nodes that report.'
              : 'No bottleneck found. The finder watches event-loop delay, CPU, GC, heap and per-node/per-route latency; what it detects shows up here with its evidence.')}
        </p>
      ) : (
        <ul>
          {list.map(({ finding: f, depth, under }) => (
            <li
              key={`${f.kind}|${f.since}|${f.nodes.join(',')}|${f.routes.join(',')}`}
              className={`finding ${f.severity}${depth > 0 ? ' consequence' : ''}`}
              style={depth > 1 ? { marginLeft: `${depth * 16}px` } : undefined}
              data-testid="finding"
              data-consequence={depth > 0 ? 'true' : undefined}
            >
              {depth > 0 ? (
                <div className="muted consequence-of" title={under}>
                  ↳ consequence of the finding above
                </div>
              ) : null}
              <div>
                <span className={`badge ${f.severity}`}>{f.severity}</span> <strong>{f.summary}</strong>{' '}
                <span className="muted">since {formatAgo(now - f.since)}</span>
              </div>
              <HotCodeSummary finding={f} view={view} now={now} page={page} />
              <SitesSummary kind={HEAP_SUMMARY} profile={heapProfileOf(f)} view={view} now={now} page={page} />
              <SitesSummary kind={ALLOCATIONS_SUMMARY} profile={allocationsOf(f)} view={view} now={now} page={page} />
              <dl>
                {adviceOf(f) ? (
                  <>
                    <dt>what to do</dt>
                    <dd data-testid="finding-advice">{adviceOf(f)}</dd>
                  </>
                ) : null}
                {evidenceEntries(f.evidence).map(([k, v], i) => (
                  <FragmentRow key={`${k}-${i}`} k={k} v={v} href={evidenceHref(f, i, view, page)} />
                ))}
                {f.nodes.length > 0 ? (
                  <>
                    <dt>nodes</dt>
                    <dd>
                      {f.nodes.slice(0, 10).map((n, i) => (
                        <span key={n}>
                          {i > 0 ? ', ' : ''}
                          <Link href={hrefFor(`/nodes/${encodeURIComponent(n)}`, view)}>{n}</Link>
                        </span>
                      ))}
                      {f.nodes.length > 10 ? ` and ${f.nodes.length - 10} more` : ''}
                    </dd>
                  </>
                ) : null}
                {f.routes.length > 0 ? (
                  <>
                    <dt>routes</dt>
                    <dd>
                      {f.routes.slice(0, 10).map((r, i) => (
                        <span key={r}>
                          {i > 0 ? ', ' : ''}
                          <Link href={routeHref(r, (f as FindingWithCharts).service, view)}>
                            <code>{r}</code>
                          </Link>
                        </span>
                      ))}
                      {f.routes.length > 10 ? ` and ${f.routes.length - 10} more` : ''}
                    </dd>
                  </>
                ) : null}
              </dl>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

// a narrow panel wraps between a function's parts, never inside a `file:line`
const NOWRAP = { whiteSpace: 'nowrap' } as const;

/**
 * What the CPU ran, for a finding about CPU time that carries its node's last profile (`hotCode`): its three
 * code functions with the most self time, each with where it is and the app's function that called it.
 */
function HotCodeSummary({ finding, view, now, page }: { finding: Finding; view: ViewState; now: number; page: ChartPage }) {
  const p = hotCodeOf(finding);
  if (p === null) return null;
  const top = topCode(p, 3);
  if (top.length === 0) return null;
  return (
    <div data-testid="finding-hot-code" style={{ fontSize: 12, marginTop: 4 }}>
      <div className="muted">
        CPU profile of <ProfileLink instance={p.instance} panel="hot-code" view={view} page={page} /> ({formatDuration(profileSeconds(p))}, {formatAgo(now - p.end)})
      </div>
      <ol style={SITES}>
        {top.map((fn) => (
          <SiteLi key={`${fn.name}|${fn.file}|${fn.line}|${fn.column}`} testId="finding-hot-code-function" f={fn} />
        ))}
      </ol>
    </div>
  );
}

/** How a finding introduces a heap-shaped profile it carries, and the node page's panel that shows it whole. */
interface SitesSummaryKind {
  /** "Heap profile of" (the node's name follows) */
  label: string;
  /** what the total bytes are: "allocated and still held" */
  total: string;
  panel: 'heap-growth' | 'allocations';
  /** the block's `data-testid`, and `${testId}-site` each site's */
  testId: string;
}

/** What the heap grew by, on a heap-leak finding (`heapProfile`): the sites that allocated the most of what stayed held. */
const HEAP_SUMMARY: SitesSummaryKind = { label: 'Heap profile of', total: 'allocated and still held', panel: 'heap-growth', testId: 'finding-heap-profile' };

/** Who makes the garbage, on a gc-pressure finding (`allocations`): the sites that allocated the most, garbage included. */
const ALLOCATIONS_SUMMARY: SitesSummaryKind = { label: 'Allocation profile of', total: 'allocated', panel: 'allocations', testId: 'finding-allocations' };

/**
 * A heap or allocation profile a finding carries: its three code sites with the most bytes, each with its bytes,
 * where it is and its caller, under a line naming the node (linked to its panel), the profile's length and age
 * and its total.
 */
function SitesSummary({ kind, profile: p, view, now, page }: { kind: SitesSummaryKind; profile: HeapProfile | null; view: ViewState; now: number; page: ChartPage }) {
  if (p === null) return null;
  const top = topCode(p, 3);
  if (top.length === 0) return null;
  return (
    <div data-testid={kind.testId} style={{ fontSize: 12, marginTop: 4 }}>
      <div className="muted">
        {kind.label} <ProfileLink instance={p.instance} panel={kind.panel} view={view} page={page} /> ({formatDuration(profileSeconds(p))}, {formatAgo(now - p.end)}):{' '}
        <span title={formatExact('bytes', p.bytes)}>{formatBytes(p.bytes)}</span> {kind.total}
      </div>
      <ol style={SITES}>
        {top.map((site) => (
          <SiteLi key={`${site.name}|${site.file}|${site.line}|${site.column}`} testId={`${kind.testId}-site`} f={site} bytes={site.bytes} />
        ))}
      </ol>
    </div>
  );
}

const SITES = { listStyle: 'none', margin: '2px 0 0', padding: 0 } as const;

/** One function of a profile: its share (and bytes, of a heap or allocation profile), name, place and the app's caller. */
function SiteLi({ f, bytes, testId }: { f: ProfileFunction | HeapSite; bytes?: number; testId: string }) {
  return (
    <li data-testid={testId}>
      <span className="num" style={{ display: 'inline-block', minWidth: 44 }} title={formatExact('ratio', f.share)}>
        {formatPercent(f.share)}
      </span>{' '}
      {bytes !== undefined ? (
        <>
          <span className="num" style={{ display: 'inline-block', minWidth: 64 }} title={formatExact('bytes', bytes)}>
            {formatBytes(bytes)}
          </span>{' '}
        </>
      ) : null}
      <code>{f.name}</code>{' '}
      <span className="muted mono" style={NOWRAP} title={fullLocation(f.file, f.line, f.column) || undefined}>
        {codeLocation(f.file, f.line)}
      </span>
      {f.caller ? (
        <span className="muted">
          {' '}
          ← <code>{f.caller.name}</code>{' '}
          <span className="mono" style={NOWRAP} title={fullLocation(f.caller.file, f.caller.line)}>
            {codeLocation(f.caller.file, f.caller.line)}
          </span>
        </span>
      ) : null}
    </li>
  );
}

/** The profiled node, linked to one of its page's profile panels (within the page when it is that node's). */
function ProfileLink({ instance, panel, view, page }: { instance: string; panel: 'hot-code' | SitesSummaryKind['panel']; view: ViewState; page: ChartPage }) {
  const name = <span className="mono">{instance}</span>;
  if (page.kind === 'node' && page.instance === instance) return <a href={`#${panel}`}>{name}</a>;
  return <Link href={`${hrefFor(`/nodes/${encodeURIComponent(instance)}`, view)}#${panel}`}>{name}</Link>;
}

/** The finder adds `advice` (what to do) to the published shape; older servers may not. */
function adviceOf(f: Finding): string | null {
  const a = (f as Finding & { advice?: unknown }).advice;
  return typeof a === 'string' && a !== '' ? a : null;
}

function FragmentRow({ k, v, href }: { k: string; v: string; href?: string }) {
  return (
    <>
      <dt>{k}</dt>
      <dd>
        {href === undefined ? (
          v
        ) : href.startsWith('#') ? (
          // a chart of this page: a plain anchor (the browser scrolls, `:target` highlights the chart)
          <a href={href} data-testid="finding-evidence-link">
            {v}
          </a>
        ) : (
          <Link href={href} data-testid="finding-evidence-link">
            {v}
          </Link>
        )}
      </dd>
    </>
  );
}

export const FindingsPanel = memo(FindingsPanelImpl);
