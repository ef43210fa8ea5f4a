// The findings panel's grouping: each root cause followed by what it explains, groups ordered by their
// most severe finding.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { groupFindings, type LinkedFinding } from '../../../lib/mappers/findings.js';

type Sev = 'info' | 'warning' | 'critical';
const f = (id: string, severity: Sev, since: number, causedBy: string[] = [], explains: string[] = []) => ({
  id,
  kind: 'k',
  severity,
  summary: id,
  evidence: [],
  nodes: [],
  routes: [],
  since,
  causedBy,
  explains,
});

test('a cause leads the findings it explains, and its group ranks by its worst member', () => {
  const rows = groupFindings([
    f('loop', 'critical', 5, ['gc']),
    f('other', 'critical', 9),
    f('gc', 'warning', 4, [], ['loop', 'cpu']),
    f('cpu', 'warning', 6, ['gc'], ['queue']),
    f('queue', 'info', 7, ['cpu', 'loop']),
    f('lonely', 'info', 1),
  ]);
  assert.deepEqual(
    rows.map((r) => `${'  '.repeat(r.depth)}${(r.finding as LinkedFinding).id}`),
    // gc's group holds a critical, so it comes before "other" (critical, later); queue sits under its
    // first cause in severity order (loop, critical), once
    ['gc', '  loop', '    queue', '  cpu', 'other', 'lonely'],
  );
  assert.equal(rows[1].under, 'gc');
});

test('links to findings not in the list (filtered out, or from an older server) are ignored', () => {
  const rows = groupFindings([f('loop', 'critical', 5, ['gone']), f('b', 'warning', 1, [], ['nothing'])]);
  assert.deepEqual(rows.map((r) => [(r.finding as LinkedFinding).id, r.depth]), [['loop', 0], ['b', 0]]);
  // findings without ids or links (another server's shape) keep the plain order
  const plain = groupFindings([
    { kind: 'k', severity: 'info', summary: '', evidence: [], nodes: [], routes: [], since: 1 },
    { kind: 'k', severity: 'critical', summary: '', evidence: [], nodes: [], routes: [], since: 2 },
  ]);
  assert.deepEqual(plain.map((r) => r.finding.severity), ['critical', 'info']);
});
