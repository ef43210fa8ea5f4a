'use client';
// The live diagnosis: what the bottleneck is, the evidence, and which nodes and routes it concerns.
import { Link } from '../lib/link.js';
import { memo } from 'react';
import type { Finding } from '../server/api/types.js';
import { formatAgo } from '../lib/format.js';
import { evidenceEntries, sortFindings } from '../lib/mappers/findings.js';
import { hrefFor, serializeViewState, type ViewState } from '../lib/url-state.js';

function FindingsPanelImpl({ findings, view, now }: { findings: Finding[] | null; view: ViewState; now: number }) {
  const list = findings ? sortFindings(findings) : null;
  return (
    <section className="panel findings" aria-labelledby="findings-title" data-testid="findings-panel">
      <h2 id="findings-title">Findings</h2>
      {list === null ? (
        <p className="muted">Loading…</p>
      ) : list.length === 0 ? (
        <p className="muted" data-testid="findings-empty">
          No bottleneck found. The finder watches event-loop delay, CPU, GC, heap and per-node/per-route latency; what it
          detects shows up here with its evidence.
        </p>
      ) : (
        <ul>
          {list.map((f) => (
            <li key={`${f.kind}|${f.since}|${f.nodes.join(',')}|${f.routes.join(',')}`} className={`finding ${f.severity}`} data-testid="finding">
              <div>
                <span className={`badge ${f.severity}`}>{f.severity}</span> <strong>{f.summary}</strong>{' '}
                <span className="muted">since {formatAgo(now - f.since)}</span>
              </div>
              <dl>
                {adviceOf(f) ? (
                  <>
                    <dt>what to do</dt>
                    <dd data-testid="finding-advice">{adviceOf(f)}</dd>
                  </>
                ) : null}
                {evidenceEntries(f.evidence).map(([k, v], i) => (
                  <FragmentRow key={`${k}-${i}`} k={k} v={v} href={evidenceHref(f, i, view)} />
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

/** The finder adds `advice` (what to do) to the published shape; older servers may not. */
function adviceOf(f: Finding): string | null {
  const a = (f as Finding & { advice?: unknown }).advice;
  return typeof a === 'string' && a !== '' ? a : null;
}

function FragmentRow({ k, v, href }: { k: string; v: string; href?: string }) {
  return (
    <>
      <dt>{k}</dt>
      <dd>{href ? <Link href={href}>{v}</Link> : v}</dd>
    </>
  );
}

/** The finder's additive fields: each evidence line's numbers with the node or route whose charts show them. */
interface FindingWithCharts extends Finding {
  service?: string;
  metrics?: { metric: string; instance?: string; route?: string }[];
}

/** "GET /x" → the route page (its latency, heatmap and error charts). */
function routeHref(name: string, service: string | undefined, view: ViewState): string {
  const space = name.indexOf(' ');
  const p = new URLSearchParams(serializeViewState(view));
  p.set('method', space > 0 ? name.slice(0, space) : '*');
  p.set('route', space > 0 ? name.slice(space + 1) : name);
  if (!view.service && service) p.set('service', service);
  return `/routes/detail?${p.toString()}`;
}

/** Evidence line i links to the charts that show it: the node's page, else the route's page. */
function evidenceHref(f: Finding, i: number, view: ViewState): string | undefined {
  const m = (f as FindingWithCharts).metrics?.[i];
  if (!m) return undefined;
  if (m.instance) return hrefFor(`/nodes/${encodeURIComponent(m.instance)}`, view);
  if (m.route) return routeHref(m.route, (f as FindingWithCharts).service, view);
  return undefined;
}

export const FindingsPanel = memo(FindingsPanelImpl);
