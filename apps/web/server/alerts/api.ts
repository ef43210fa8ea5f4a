// `/api/v1/alerts/rules` (GET, POST, PUT, DELETE) and `/api/v1/alerts` (GET), independent of the HTTP framework:
// the server's API router hands over method, path, query and raw body and writes back the answer.
//   GET    /api/v1/alerts/rules            → RuleView[]
//   GET    /api/v1/alerts/rules/:id        → RuleView
//   POST   /api/v1/alerts/rules            → 201 RuleView (with its id)
//   PUT    /api/v1/alerts/rules/:id        → RuleView          (also PUT /api/v1/alerts/rules?id=…)
//   DELETE /api/v1/alerts/rules/:id        → 204               (also DELETE /api/v1/alerts/rules?id=…)
//   GET    /api/v1/alerts?limit=100        → { active, past } with delivery history
// The lists take `service=` like every endpoint: the alerts labelled with that service (node and route alerts
// carry their node's or route's service; a rule's `service` labels all of its alerts) and the rules whose
// `service` it is (a rule without one watches every service and is listed only without `service=`). `window=`
// is checked as everywhere (alerts are not windowed); a bad `window=` or `limit=` is the API's 400 PERF_API_BAD_PARAM.
// Errors: `{ error: { code, message, field? } }` with 400 (invalid rule, naming the field), 404, 405, 409.
import { durationParam, intParam, stringParam } from '../api/params.js';
import { ApiHttpError } from '../api/router.js';
import { AlertError } from './errors.js';
import type { AlertEngine, AlertsView, AlertView } from './engine/engine.js';

export interface AlertsApiAnswer {
  status: number;
  /** JSON body; undefined for 204. */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface AlertsApiOptions {
  /** the longest `window=` accepted, in seconds (the store's longest retention) */
  maxWindowSeconds?: number;
}

/** Past alerts read at most to find `limit=` of one service's (the most recent ones are read first). */
const MAX_PAST_SCAN = 10_000;

const RULES = /^\/api\/v1\/alerts\/rules(?:\/([^/]+))?\/?$/;
const ALERTS = /^\/api\/v1\/alerts\/?$/;

/** True when `pathname` belongs to the alerts API. */
export function isAlertsPath(pathname: string): boolean {
  return RULES.test(pathname) || ALERTS.test(pathname);
}

function parseBody(raw: string | Buffer | undefined): unknown {
  const text = raw === undefined ? '' : raw.toString();
  if (text.trim() === '') throw new AlertError('RULE_INVALID', 'the request body is empty; send the rule as JSON');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new AlertError('RULE_INVALID', `the request body is not valid JSON: ${(e as Error).message}`);
  }
}

function methodNotAllowed(allow: string): AlertsApiAnswer {
  return { status: 405, headers: { allow }, body: { error: { code: 'METHOD_NOT_ALLOWED', message: `use ${allow}` } } };
}

/** One service's alerts: past ones read in growing batches until `limit` of them are found or none are left. */
function alertsOf(engine: AlertEngine, service: string, limit: number): AlertsView {
  const mine = (a: AlertView) => a.labels.service === service;
  for (let n = limit; ; n = Math.min(n * 4, MAX_PAST_SCAN)) {
    const all = engine.listAlerts(n);
    const past = all.past.filter(mine);
    if (past.length >= limit || all.past.length < n || n === MAX_PAST_SCAN) return { ...all, active: all.active.filter(mine), past: past.slice(0, limit) };
  }
}

/** Answers one alerts API request, or returns undefined when the path is not an alerts path. */
export function handleAlertsApi(
  engine: AlertEngine,
  method: string,
  pathname: string,
  query: URLSearchParams,
  rawBody?: string | Buffer,
  options: AlertsApiOptions = {},
): AlertsApiAnswer | undefined {
  const read = method === 'GET' || method === 'HEAD';
  try {
    if (ALERTS.test(pathname)) {
      if (!read) return methodNotAllowed('GET');
      durationParam(query, 'window', undefined, options.maxWindowSeconds ?? Infinity);
      const service = stringParam(query, 'service');
      const limit = intParam(query, 'limit', 100, 1, 1000);
      return { status: 200, body: service === undefined ? engine.listAlerts(limit) : alertsOf(engine, service, limit) };
    }
    const m = RULES.exec(pathname);
    if (!m) return undefined;
    const id = m[1] !== undefined ? decodeURIComponent(m[1]) : (query.get('id') ?? undefined);
    if (read) durationParam(query, 'window', undefined, options.maxWindowSeconds ?? Infinity);
    switch (method) {
      case 'GET':
      case 'HEAD': {
        if (id !== undefined) return { status: 200, body: engine.getRule(id) };
        const service = stringParam(query, 'service');
        return { status: 200, body: service === undefined ? engine.listRules() : engine.listRules().filter((r) => r.service === service) };
      }
      case 'POST':
        if (m[1] !== undefined) return methodNotAllowed('GET, PUT, DELETE');
        return { status: 201, body: engine.createRule(parseBody(rawBody)) };
      case 'PUT':
        if (id === undefined) throw new AlertError('RULE_INVALID', 'PUT needs the rule id: /api/v1/alerts/rules/<id>', 'id');
        return { status: 200, body: engine.updateRule(id, parseBody(rawBody)) };
      case 'DELETE':
        if (id === undefined) throw new AlertError('RULE_INVALID', 'DELETE needs the rule id: /api/v1/alerts/rules/<id>', 'id');
        engine.deleteRule(id);
        return { status: 204 };
      default:
        return methodNotAllowed(m[1] !== undefined ? 'GET, PUT, DELETE' : 'GET, POST');
    }
  } catch (e) {
    if (e instanceof AlertError) return { status: e.status, body: e.toJSON() };
    if (e instanceof ApiHttpError) return { status: e.status, body: { error: { code: e.code, message: e.message } } };
    throw e;
  }
}
