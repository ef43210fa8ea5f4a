// Shown while no agent has reported: exactly how to connect a Node.js service to this dashboard.
export function ConnectHelp({ origin }: { origin: string | null }) {
  const host = origin ? new URL(origin).hostname : '<dashboard-host>';
  return (
    <section className="panel connect" data-testid="no-agent" aria-labelledby="connect-title">
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
OTEL_EXPORTER_OTLP_ENDPOINT=http://${host}:4318
# when the dashboard requires an ingest token (PERF_INGEST_TOKEN):
OTEL_EXPORTER_OTLP_HEADERS=authorization=Bearer <token>`}</code>
      </pre>
      <p className="muted">
        The agent exports once a second over OTLP/HTTP (port 4318 unless the dashboard was started with a different
        PERF_OTLP_PORT). Any OpenTelemetry SDK that records <code>http.server.request.duration</code> works too.
      </p>
    </section>
  );
}
