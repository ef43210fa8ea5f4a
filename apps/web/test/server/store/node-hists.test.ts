// Each node's window histograms (NodeState.hists, 10 s slots, and .coarse, 60 s ones) are written to the data file as
// they settle, and read back on start: an outside audit found every node's window percentiles null after a restart
// ("—" on the Nodes page) while the fleet's and the routes' were kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExportMetricsRequest } from '@perf/metrics';
import { expPoint, httpExp, request, resource } from '../lib/otlp.js';
import { FleetStore } from '../../../server/store/FleetStore.js';
import { Persistence } from '../../../server/store/persist.js';
import { Applier } from '../../../server/ingest/apply.js';
import { IngestStats } from '../../../server/ingest/stats.js';
import type { NodeState } from '../../../server/store/node.js';

const T0 = Math.floor(Date.now() / 10_000) * 10_000 - 900_000;
const ms = (s: number) => T0 + s * 1000 + 300;
const START = (T0 - 60_000) * 1e6;
// 50 requests a second, in a bucket that moves every minute (so a slot counted twice would show in the totals by bucket)
const http = (s: number): ExportMetricsRequest => {
  const counts = Array.from({ length: 12 }, (_, i) => (i <= Math.floor(s / 60) ? 50 * Math.min(s + 1, 60 * (i + 1)) - 50 * Math.min(s + 1, 60 * i) : 0));
  return request(resource('svc', 'a'), [httpExp('cumulative', [expPoint({ start: START, time: ms(s) * 1e6, offset: -10, counts })])]);
};

/** Requests held by the node's window histograms, by slot kind and bucket. */
function held(n: NodeState): string {
  const sum = (m: Map<number, { lat: { count: number; quantile(q: number): number } }>) => [...m.values()].reduce((a, h) => a + h.lat.count, 0);
  return JSON.stringify({ fine: sum(n.hists), coarse: sum(n.coarse), slots: [...n.hists.keys(), ...[...n.coarse.keys()].map((c) => `c${c}`)].sort() });
}

test('a node\'s window histograms are read back after a crash and after a graceful stop, none counted twice', () => {
  const dir = mkdtempSync(join(tmpdir(), 'perf-node-hists-'));
  try {
    const open = (from: number) => {
      const store = new FleetStore({}, ms(from) - 300);
      const p = Persistence.open(dir, () => {});
      p.load(store, ms(from) - 300);
      p.loadStates(store);
      store.sink = p.sink;
      return { store, p, applier: new Applier(store, new IngestStats()), node: () => store.services.get('svc')!.nodes.get('a')! };
    };
    // 7 minutes: the first 10 s slots have become 60 s ones
    const first = open(0);
    for (let s = 0; s <= 420; s++) {
      first.applier.apply(http(s), ms(s));
      first.store.tick(ms(s) + 400);
      if (s % 2 === 0) first.p.flush(ms(s) + 400);
    }
    const before = first.node();
    assert.ok(before.coarse.size >= 2 && before.hists.size >= 20, held(before));
    // a crash: what was flushed, and nothing else (the slot still filling is lost, as its seconds are)
    const complete = new Map([...before.hists].filter(([k]) => k <= before.histsWrittenUntil));
    const expected = held(Object.assign(Object.create(before) as NodeState, { hists: complete, coarse: before.coarse }));
    first.p.close();
    const second = open(425);
    assert.equal(held(second.node()), expected, 'after a crash');
    // it goes on: more slots become 60 s ones, then a graceful stop writes the slot still filling too
    for (let s = 426; s <= 505; s++) {
      second.applier.apply(http(s), ms(s));
      second.store.tick(ms(s) + 400);
      if (s % 2 === 0) second.p.flush(ms(s) + 400);
    }
    second.store.tick(ms(505) + 900 + second.store.options.settleSeconds * 1000);
    second.p.flush(ms(505) + 900);
    second.p.saveStates(second.store);
    const stopped = held(second.node());
    second.p.close();
    const third = open(506);
    assert.equal(held(third.node()), stopped, 'after a graceful stop');
    third.p.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
