'use client';
// The fleet's headline numbers. Each tile's title attribute carries the exact value (hover or focus).
import { memo } from 'react';
import type { Fleet } from '../server/api/types.js';
import { formatDuration, formatExact, formatInteger, formatPercent, formatRps } from '../lib/format.js';

interface Tile {
  id: string;
  label: string;
  value: string;
  exact: string;
  /** the number shown, in the API's unit (tests compare it with the API) */
  raw: number | null;
  sub?: string;
  bad?: boolean;
}

/** "1 error", "2 errors" */
function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatInteger(n)} ${Math.round(n) === 1 ? one : many}`;
}

/**
 * The tiles cover the stats window (`windowLabel`, e.g. "the last 10 s"), the charts' readouts their latest step:
 * each tile says its window so the two are not read as the same number.
 */
export function fleetTiles(f: Fleet, windowLabel: string, windowSeconds?: number): Tile[] {
  const over = windowLabel.replace(/^the /, '');
  // a rate over a range the data starts within is over the part with data (as Prometheus' rate() over its samples):
  // said, or "req/s … last 1 h" read as an hour's mean on a dashboard 20 min old (outside UI audit)
  // (none: the first seconds after a crash of the dashboard, before its nodes are counted again)
  const partial =
    windowSeconds !== undefined && f.window < windowSeconds - 1 ? (f.window > 0 ? `: a rate over the ${formatDuration(f.window)} with data` : ': no second of it known yet') : '';
  return [
    { id: 'rps', label: 'Throughput', value: formatRps(f.rps), exact: formatExact('rps', f.rps), raw: f.rps, sub: `${plural(f.requests, 'request')} in ${over}${partial}${f.inFlight !== null ? `; ${formatInteger(f.inFlight)} in flight` : ''}` },
    {
      id: 'error-rate',
      label: 'Error rate (5xx)',
      value: formatPercent(f.errorRate),
      exact: formatExact('ratio', f.errorRate),
      raw: f.errorRate,
      // requests clients gave up on are no 5xx, but a hung route's only trace: said beside the errors when there are any
      sub: `${plural(f.errors, 'error')}${f.aborted > 0 ? `, ${plural(f.aborted, 'aborted request')}` : ''} in ${over}`,
      bad: f.errorRate >= 0.01,
    },
    { id: 'p50', label: 'Latency p50', value: formatDuration(f.latency.p50), exact: formatExact('seconds', f.latency.p50), raw: f.latency.p50, sub: over },
    { id: 'p90', label: 'Latency p90', value: formatDuration(f.latency.p90), exact: formatExact('seconds', f.latency.p90), raw: f.latency.p90, sub: over },
    { id: 'p99', label: 'Latency p99', value: formatDuration(f.latency.p99), exact: formatExact('seconds', f.latency.p99), raw: f.latency.p99, sub: over },
    { id: 'p999', label: 'Latency p99.9', value: formatDuration(f.latency.p999), exact: formatExact('seconds', f.latency.p999), raw: f.latency.p999, sub: over },
    {
      id: 'eld-p99',
      label: 'Event-loop delay p99',
      value: formatDuration(f.eventLoopDelay.p99),
      exact: formatExact('seconds', f.eventLoopDelay.p99),
      raw: f.eventLoopDelay.p99,
      sub: over,
      bad: (f.eventLoopDelay.p99 ?? 0) >= 0.1,
    },
    { id: 'eld-max', label: 'Event-loop delay max', value: formatDuration(f.eventLoopDelay.max), exact: formatExact('seconds', f.eventLoopDelay.max), raw: f.eventLoopDelay.max, sub: over },
    {
      id: 'nodes',
      label: 'Nodes up / down',
      value: `${formatInteger(f.nodesUp)} / ${formatInteger(f.nodesDown)}`,
      exact: `${f.nodesUp} up, ${f.nodesDown} down${f.nodesStopped > 0 ? `, ${f.nodesStopped} stopped` : ''}`,
      raw: f.nodesUp,
      sub: 'now',
      bad: f.nodesDown > 0,
    },
  ];
}

function KpiTilesImpl({ fleet, windowLabel, windowSeconds }: { fleet: Fleet | null; windowLabel: string; windowSeconds?: number }) {
  if (!fleet) {
    return (
      <section className="grid kpis" aria-label="Fleet summary" aria-busy="true">
        <div className="panel kpi muted">Loading…</div>
      </section>
    );
  }
  return (
    <section className="grid kpis" aria-label={`Fleet summary over ${windowLabel}`}>
      {fleetTiles(fleet, windowLabel, windowSeconds).map((t) => (
        <div key={t.id} className={`panel kpi${t.bad ? ' bad' : ''}`} data-testid={`kpi-${t.id}`} data-value={t.raw ?? ''} title={t.exact} tabIndex={0}>
          <div className="label">{t.label}</div>
          <div className="value" data-testid={`kpi-${t.id}-value`}>
            {t.value}
          </div>
          {t.sub ? (
            <div className="sub" data-testid={`kpi-${t.id}-sub`}>
              {t.sub}
            </div>
          ) : null}
        </div>
      ))}
    </section>
  );
}

export const KpiTiles = memo(KpiTilesImpl);
