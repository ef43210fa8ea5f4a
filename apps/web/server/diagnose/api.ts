// GET /api/v1/findings: the live diagnosis.
//   service=  only findings of that service        window=  accepted like every endpoint (findings are live)
//   kind=     only that kind                         instance= / route=  findings naming that node / route
// Answers an array of findings, worst first (DESIGN.md: `[{ kind, severity, summary, evidence, nodes, routes, since }]`
// plus additive fields: id, service, advice, metrics (chart links), updatedAt, causedBy / explains (causes.ts), hotCode, heapProfile and allocations (hotcode.ts)).

import { durationParam, stringParam } from '../api/params.js';
import { ApiHttpError, type RequestContext } from '../api/router.js';
import type { DiagnosisService } from './service.js';
import type { ServiceFinding } from './diagnoser.js';
import { FINDING_KINDS as KINDS } from './types.js';

export function findingsHandler(diagnosis: DiagnosisService, maxWindowSeconds: number) {
  return (ctx: RequestContext): ServiceFinding[] => {
    const q = ctx.query;
    durationParam(q, 'window', undefined, maxWindowSeconds);
    const service = stringParam(q, 'service');
    const kind = stringParam(q, 'kind');
    if (kind !== undefined && !(KINDS as readonly string[]).includes(kind)) {
      throw new ApiHttpError(400, 'PERF_API_BAD_PARAM', `kind="${kind}" is unknown: use one of ${KINDS.join(', ')}`);
    }
    const instance = stringParam(q, 'instance');
    const route = stringParam(q, 'route');
    const method = stringParam(q, 'method');
    return diagnosis.findings(service).filter(
      (f) =>
        (kind === undefined || f.kind === kind) &&
        (instance === undefined || f.nodes.includes(instance)) &&
        (route === undefined || f.routes.some((r) => (method === undefined ? r.endsWith(` ${route}`) || r === route : r === `${method} ${route}`))),
    );
  };
}
