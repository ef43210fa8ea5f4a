'use client';
// Shown while no agent has reported (overview, nodes, routes): exactly how to connect a Node.js service to
// this dashboard, with the port its OTLP receiver really listens on (`/api/v1/status` → `otlp.port`).
import type { Status, StreamSnapshot } from '../server/api/types.js';
import { useApi } from '../lib/hooks.js';

/** The receiver's port when the dashboard was started without PERF_OTLP_PORT. */
const DEFAULT_OTLP_PORT = 4318;

/** True when the live stream says no agent has reported yet: no service, no node up or down. */
export function noAgentYet(snap: StreamSnapshot | null): boolean {
  return snap !== null && snap.services.length === 0 && snap.fleet.nodes === 0 && snap.fleet.nodesDown === 0 && !(snap.fleet.nodesStopped > 0);
}

export function ConnectHelp({ origin }: { origin: string | null }) {
  const host = origin ? new URL(origin).hostname : '<dashboard-host>';
  const statusQ = useApi<Status>('status', {}, 0);
  // an older server without `otlp` (or a failed call) falls back to the default; '…' only while asking
  const port = statusQ.data ? (statusQ.data.otlp?.port ?? DEFAULT_OTLP_PORT) : statusQ.error ? DEFAULT_OTLP_PORT : null;
  const shown = port === null ? '…' : String(port);
  return (
    <section className="panel connect" data-testid="no-agent" data-otlp-port={port ?? undefined} aria-labelledby="connect-title">
      <h1 id="connect-title">No agent has reported yet</h1>
      <p>Add the agent to each Node.js server process and point it at this dashboard. Data shows up here within a second or two.</p>
      <h2>1. Install and import</h2>
      <pre>
        <code>{`# in a perf checkout: pnpm pack:agent (writes dist/perf-agent-<version>.tgz), then in your app:
npm install /path/to/perf-agent-<version>.tgz

// first line of your entry file (ESM or CommonJS)
import '@perf/agent';

// or without touching the code
node --import @perf/agent server.js`}</code>
      </pre>
      <h2>2. Configure with the standard OpenTelemetry variables</h2>
      <pre>
        <code>{`OTEL_SERVICE_NAME=checkout
OTEL_EXPORTER_OTLP_ENDPOINT=http://${host}:${shown}
# when the dashboard requires an ingest token (PERF_INGEST_TOKEN):
OTEL_EXPORTER_OTLP_HEADERS=authorization=Bearer%20<token>`}</code>
      </pre>
      <p className="muted">
        The agent exports once a second over OTLP/HTTP to this dashboard&apos;s receiver, which listens on port {shown} (PERF_OTLP_PORT). Any
        OpenTelemetry SDK that records <code>http.server.request.duration</code> works too.
      </p>
    </section>
  );
}
