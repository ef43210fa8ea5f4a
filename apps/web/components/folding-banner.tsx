'use client';
// Cardinality folding: past the per-service series cap, new series are folded into `other` so totals stay
// right but per-route/per-node detail is lost. Users must know when what they see is folded.
import type { Services } from '../server/api/types.js';
import { formatInteger } from '../lib/format.js';

export function FoldingBanner({ services, service }: { services: Services | null; service: string | null }) {
  if (!services) return null;
  const folded = services.filter((s) => s.foldedSeries > 0 && (service === null || s.name === service));
  if (folded.length === 0) return null;
  return (
    <div className="banner warn" role="status" data-testid="folding-banner">
      <strong>Cardinality cap reached:</strong>{' '}
      {folded.map((s, i) => (
        <span key={s.name}>
          {i > 0 ? '; ' : ''}
          <code>{s.name}</code> holds {formatInteger(s.series)} of {formatInteger(s.seriesCap)} series, {formatInteger(s.foldedSeries)} folded
          into <code>other</code> ({formatInteger(s.foldedPoints)} points)
        </span>
      ))}
      . Totals stay exact; per-route and per-node detail of the folded series is lost. Raise the cap
      (PERF_MAX_SERIES_PER_SERVICE) or normalise routes in the agent.
    </div>
  );
}
