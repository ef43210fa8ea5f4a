'use client';
// The dashboard reads its nodes from a store it cannot reach now (PERF_PROMETHEUS_URL): every node looks silent
// because of that, not because the fleet died. Users must see the cause before they read "down" everywhere.
import type { StreamSnapshot } from '../server/api/types.js';
import { formatAgo } from '../lib/format.js';

export function SourceBanner({ source, now }: { source: StreamSnapshot['source'] | undefined; now: number }) {
  if (!source) return null;
  return (
    <div className="banner bad" role="alert" data-testid="source-banner">
      <strong>{source.source} cannot be read</strong> ({source.error}) for {formatAgo(now - source.since).replace(" ago", "")}. Nodes read from it look
      down because the dashboard cannot see them; node-down alerts are held until it answers again.
    </div>
  );
}
