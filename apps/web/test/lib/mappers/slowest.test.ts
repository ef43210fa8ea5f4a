// The route page's slowest nodes: ranked by their p99 now, not by the range's mean (outside UI audit: the node of an
// incident fixed minutes ago came first while another was slow now; stopped nodes were mixed in).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { slowestNodes } from '../../../lib/mappers/slowest.js';
import type { Series } from '../../../server/api/types.js';

const line = (instance: string, values: (number | null)[]) => ({ key: { instance }, points: values.map((v, i): [number, number | null] => [i * 2000, v]) });

test('slowest nodes: by their p99 now; those not reporting now last, by their mean', () => {
  const series: Series = {
    metric: 'latency.p99',
    by: 'node',
    step: 2,
    window: 20,
    truncated: 0,
    settledUntil: 0,
    series: [
      // slow for most of the range, fixed since
      line('fixed', [0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.02, 0.02, 0.02]),
      // slow now
      line('slow-now', [0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.1, 0.12, 0.11]),
      line('calm', [0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.03, 0.03, 0.03]),
      // stopped a while ago, slow before
      line('stopped', [2, 2, 2, null, null, null, null, null, null, null]),
      line('never', [null, null, null, null, null, null, null, null, null, null]),
    ],
  };
  const rows = slowestNodes(series, 10);
  assert.deepEqual(rows.map((r) => r.instance), ['slow-now', 'calm', 'fixed', 'stopped']);
  assert.ok(Math.abs(rows[0].last! - 0.11) < 1e-9);
  assert.equal(rows[3].last, null);
  assert.deepEqual(slowestNodes(series, 2).map((r) => r.instance), ['slow-now', 'calm']);
});
