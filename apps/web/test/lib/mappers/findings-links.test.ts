// Evidence links: each line of a finding's evidence opens the chart that shows it, on this page when the
// page draws it, else on the node's or the route's page, scrolled to that chart (`#chart-…` = the id of the
// chart's figure).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Finding } from '../../../server/api/types.js';
import { evidenceHref, type FindingWithCharts } from '../../../lib/mappers/findings.js';
import { DEFAULT_VIEW } from '../../../lib/url-state.js';

const finding: FindingWithCharts = {
  kind: 'event-loop-blocked',
  severity: 'warning',
  summary: 'Event loop blocked on node a-1',
  evidence: ['a-1 event-loop delay p99', 'a-1 utilisation', 'GET /x latency', 'fleet elu', 'a-1 fds'],
  nodes: ['a-1'],
  routes: ['GET /x'],
  since: 0,
  service: 'shop',
  metrics: [
    { metric: 'eventLoopDelay.p99', instance: 'a-1' },
    { metric: 'elu', instance: 'a-1' },
    { metric: 'latency.p50', route: 'GET /x' },
    { metric: 'elu' },
    { metric: 'fds', instance: 'a-1' },
  ],
};
const f = finding as Finding;
const view = DEFAULT_VIEW;

test('on the overview, node evidence opens the node page at the chart', () => {
  assert.equal(evidenceHref(f, 0, view), '/nodes/a-1#chart-event-loop');
  assert.equal(evidenceHref(f, 1, view), '/nodes/a-1#chart-elu');
  assert.equal(evidenceHref(f, 4, view), '/nodes/a-1#chart-handles');
  assert.equal(evidenceHref(f, 2, view), '/routes/detail?method=GET&route=%2Fx&service=shop#chart-latency');
  // fleet-wide ELU has no chart on the overview: no link rather than a wrong one
  assert.equal(evidenceHref(f, 3, view), undefined);
});

test("on the node's own page, its evidence links within the page", () => {
  const page = { kind: 'node', instance: 'a-1' } as const;
  assert.equal(evidenceHref(f, 0, view, page), '#chart-event-loop');
  assert.equal(evidenceHref(f, 1, view, page), '#chart-elu');
  // another node's page links to the node the evidence is about
  assert.equal(evidenceHref(f, 0, view, { kind: 'node', instance: 'a-2' }), '/nodes/a-1#chart-event-loop');
});

test("on the route's own page, its evidence links within the page", () => {
  assert.equal(evidenceHref(f, 2, view, { kind: 'route', method: 'GET', route: '/x' }), '#chart-latency');
  assert.equal(evidenceHref(f, 2, view, { kind: 'route', method: 'POST', route: '/x' }), '/routes/detail?method=GET&route=%2Fx&service=shop#chart-latency');
});

test('links keep the selection and need the metrics the finder adds', () => {
  assert.equal(evidenceHref(f, 0, { service: 'shop', range: '1h', paused: false }), '/nodes/a-1?service=shop&range=1h#chart-event-loop');
  assert.equal(evidenceHref({ ...f, metrics: undefined } as Finding, 0, view), undefined);
  assert.equal(evidenceHref(f, 9, view), undefined);
});
