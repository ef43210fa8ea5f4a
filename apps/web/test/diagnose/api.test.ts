// GET /api/v1/findings on a real dashboard: the route is mounted, answers the live list, validates its
// parameters with stable error codes, and filters by service, kind, node and route.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningServer } from '../../server/server.js';
import { diagnosisFor } from '../../server/diagnose/mount.js';
import type { ServiceFinding } from '../../server/diagnose/diagnoser.js';
import { startDashboard } from './lib/e2e.js';

describe('GET /api/v1/findings', () => {
  let server: RunningServer;
  before(async () => {
    server = await startDashboard();
  });
  after(async () => {
    await server?.close();
  });

  const get = async (q: string): Promise<[number, any]> => {
    const res = await fetch(`${server.url}/api/v1/findings${q}`);
    return [res.status, await res.json()];
  };

  it('answers [] on an empty fleet, with or without a window', async () => {
    assert.deepEqual(await get(''), [200, []]);
    assert.deepEqual(await get('?window=60s&service=shop'), [200, []]);
  });

  it('refuses bad parameters with a stable code and a sentence', async () => {
    const [status, body] = await get('?window=soon');
    assert.equal(status, 400);
    assert.equal(body.error.code, 'PERF_API_BAD_PARAM');
    const [s2, b2] = await get('?kind=slow');
    assert.equal(s2, 400);
    assert.match(b2.error.message, /event-loop-blocked/);
  });

  it('filters the live findings by service, kind, node and route', async () => {
    const d = diagnosisFor(server.store)!;
    const base: Omit<ServiceFinding, 'id' | 'kind' | 'service' | 'nodes' | 'routes'> = { severity: 'warning', summary: 's', evidence: [], advice: '', metrics: [], since: 1, updatedAt: 2, causedBy: [], explains: [] };
    const list: ServiceFinding[] = [
      { ...base, id: 'a', kind: 'event-loop-blocked', service: 'shop', nodes: ['n1'], routes: ['GET /report'] },
      { ...base, id: 'b', kind: 'io-wait', service: 'shop', nodes: ['n1', 'n2'], routes: ['GET /users/:id'] },
      { ...base, id: 'c', kind: 'error-burst', service: 'billing', nodes: ['b1'], routes: ['POST /pay'] },
    ];
    // the service reads the diagnoser's last evaluation; stand in for one
    d.findings = (service?: string | null) => (service ? list.filter((f) => f.service === service) : list);
    const ids = async (q: string) => ((await get(q))[1] as ServiceFinding[]).map((f) => f.id);
    assert.deepEqual(await ids(''), ['a', 'b', 'c']);
    assert.deepEqual(await ids('?service=shop'), ['a', 'b']);
    assert.deepEqual(await ids('?kind=io-wait'), ['b']);
    assert.deepEqual(await ids('?instance=n2'), ['b']);
    assert.deepEqual(await ids('?route=/report'), ['a']);
    assert.deepEqual(await ids('?route=/pay&method=POST'), ['c']);
    assert.deepEqual(await ids('?route=/pay&method=GET'), []);
  });
});
