// `/api/v1/alerts/rules` (GET, POST, PUT, DELETE) and `/api/v1/alerts` (GET), independent of the HTTP framework:
// the server's API router hands over method, path, query and raw body and writes back the answer.
//   GET    /api/v1/alerts/rules            → RuleView[]
//   GET    /api/v1/alerts/rules/:id        → RuleView
//   POST   /api/v1/alerts/rules            → 201 RuleView (with its id)
//   PUT    /api/v1/alerts/rules/:id        → RuleView          (also PUT /api/v1/alerts/rules?id=…)
//   DELETE /api/v1/alerts/rules/:id        → 204               (also DELETE /api/v1/alerts/rules?id=…)
//   GET    /api/v1/alerts?limit=100        → { active, past } with delivery history
// Errors: `{ error: { code, message, field? } }` with 400 (invalid rule, naming the field), 404, 405, 409.
import { AlertError } from './errors.js';
import type { AlertEngine } from './engine/engine.js';

export interface AlertsApiAnswer {
  status: number;
  /** JSON body; undefined for 204. */
  body?: unknown;
  headers?: Record<string, string>;
}

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

/** Answers one alerts API request, or returns undefined when the path is not an alerts path. */
export function handleAlertsApi(engine: AlertEngine, method: string, pathname: string, query: URLSearchParams, rawBody?: string | Buffer): AlertsApiAnswer | undefined {
  try {
    if (ALERTS.test(pathname)) {
      if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed('GET');
      const limit = Math.min(1000, Math.max(1, Number(query.get('limit') ?? 100) || 100));
      return { status: 200, body: engine.listAlerts(limit) };
    }
    const m = RULES.exec(pathname);
    if (!m) return undefined;
    const id = m[1] !== undefined ? decodeURIComponent(m[1]) : (query.get('id') ?? undefined);
    switch (method) {
      case 'GET':
      case 'HEAD':
        return { status: 200, body: id === undefined ? engine.listRules() : engine.getRule(id) };
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
    throw e;
  }
}
