// Mounts the alert engine into the dashboard process (see server/context.ts): evaluates every rule on the
// dashboard's per-second tick (after the store settled that second), serves the alerts API, feeds the
// firing count to the live stream, and resumes pending deliveries from alerts.sqlite in PERF_DATA_DIR.
//   PERF_ALERT_RULES_FILE         YAML or JSON rules file, reloaded when it changes (a bad one is reported in
//                                 /api/v1/status and /api/v1/alerts, and the engine runs without it)
//   PERF_PUBLIC_URL               the UI's URL for links in notifications (default http://localhost:<the UI's port>)
//   PERF_ALERTS_BLOCK_PRIVATE     true: refuse loopback, private and link-local target addresses
//   PERF_ALERTS_RESOLVE_AFTER     how long a condition stays clear before the alert resolves (default 10s)
//   PERF_ALERTS_REPEAT_INTERVAL   re-send a still-firing alert to webhooks after (default 4h)
//   PERF_ALERTS_TIMEOUT           per-attempt delivery timeout (default 10s)
//   PERF_ALERTS_RETRY_BASE        first retry delay, doubled each attempt (default 1s)
//   PERF_ALERTS_RETRY_MAX         longest delay between attempts (default 10m)
//   PERF_ALERTS_MAX_ATTEMPTS      attempts before a delivery is given up (default 12)
//   PERF_ALERTS_MAX_PER_RULE      pending and firing alerts one rule holds (default 1000; the rest are counted)
import type { IncomingMessage } from 'node:http';
import type { DashboardContext, MountedModule } from '../context.js';
import { diagnosisFor } from '../diagnose/mount.js';
import { handleAlertsApi } from './api.js';
import { parseDuration } from './duration.js';
import { createAlerting } from './setup.js';
import { readLimited, type RequestContext } from '../api/router.js';

const MAX_BODY = 1 << 20;

function envMs(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const ms = parseDuration(raw.trim());
  if (ms === undefined) console.warn(`perf: ${name}="${raw}" is not a duration such as "10s" or "5m"; using the default`);
  return ms;
}

function envInt(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    console.warn(`perf: ${name}="${raw}" must be a positive integer; using the default`);
    return undefined;
  }
  return n;
}

function readBody(req: IncomingMessage): Promise<Buffer | 'too-large'> {
  return readLimited(req, MAX_BODY);
}

export async function mount(ctx: DashboardContext): Promise<MountedModule> {
  const defined = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
  const alerting = createAlerting({
    view: ctx.view,
    findings: () => diagnosisFor(ctx.store)?.findings() ?? [],
    dataDir: ctx.dataDir,
    intervalMs: 0,
    // read per notification: the port is the one bound, known only once the dashboard listens (PORT=0)
    externalURL: () => process.env.PERF_PUBLIC_URL?.trim() || `http://localhost:${ctx.port()}`,
    evaluator: defined({
      resolveAfterMs: envMs('PERF_ALERTS_RESOLVE_AFTER'),
      repeatIntervalMs: envMs('PERF_ALERTS_REPEAT_INTERVAL'),
      maxAlertsPerRule: envInt('PERF_ALERTS_MAX_PER_RULE'),
    }),
    queue: defined({
      timeoutMs: envMs('PERF_ALERTS_TIMEOUT'),
      baseDelayMs: envMs('PERF_ALERTS_RETRY_BASE'),
      maxDelayMs: envMs('PERF_ALERTS_RETRY_MAX'),
      maxAttempts: envInt('PERF_ALERTS_MAX_ATTEMPTS'),
    }),
    log: (level, message) => (level === 'info' ? console.log : console.error)(`perf alerts: ${message}`),
  });
  const { engine } = alerting;
  ctx.onTick((now) => engine.tick(now));
  ctx.setAlertsFiringSource(() => engine.firingCount());
  ctx.setAlertsStatusSource(() => ({
    rules: engine.listRules().length,
    firing: engine.firingCount(),
    lastEvaluation: engine.lastEvaluation || null,
    rulesFile: engine.rulesFileStatus(),
    fileGone: engine.fileGone ?? null,
  }));

  const maxWindowSeconds = Math.max(...ctx.store.options.tiers.map((t) => t.retention));
  const handler = async (rc: RequestContext): Promise<unknown> => {
    const method = rc.req.method ?? 'GET';
    let body: Buffer | undefined;
    if (method === 'POST' || method === 'PUT') {
      const b = await readBody(rc.req);
      if (b === 'too-large') {
        rc.res.writeHead(413, { 'content-type': 'application/json; charset=utf-8' });
        rc.res.end(JSON.stringify({ error: { code: 'RULE_INVALID', message: `the rule body is over ${MAX_BODY} bytes` } }));
        return undefined;
      }
      body = b;
    }
    const answer = handleAlertsApi(engine, method, rc.url.pathname, rc.query, body, { maxWindowSeconds })!;
    const headers = { 'cache-control': 'no-store', ...answer.headers };
    if (answer.body === undefined) {
      rc.res.writeHead(answer.status, headers);
      rc.res.end();
    } else {
      const text = JSON.stringify(answer.body);
      rc.res.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
      rc.res.end(method === 'HEAD' ? undefined : text);
    }
    return undefined;
  };
  for (const path of ['/api/v1/alerts', '/api/v1/alerts/rules', '/api/v1/alerts/rules/:id']) {
    for (const m of ['GET', 'POST', 'PUT', 'DELETE']) ctx.router.on(m, path, handler);
  }
  engine.start();
  return { close: () => alerting.close() };
}
