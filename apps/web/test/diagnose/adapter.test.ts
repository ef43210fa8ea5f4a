// The adapter against a real store fed by the real ingest path: the simulator's OTLP exports applied
// second by second (simulated clock), then the rules' input built from the store.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FleetStore } from '../../server/store/FleetStore.js';
import { Applier } from '../../server/ingest/apply.js';
import { IngestStats } from '../../server/ingest/stats.js';
import { DiagnosisAdapter } from '../../server/diagnose/adapter.js';
import { Diagnoser } from '../../server/diagnose/diagnoser.js';
import { recent } from '../../server/diagnose/window.js';
import { FleetSimulator } from '../../simulator/fleet.js';

function feed(seconds: number, sickFrom: number) {
  const t0 = Math.ceil(Date.now() / 1000) * 1000 + 1000;
  const store = new FleetStore({}, t0);
  const applier = new Applier(store, new IngestStats());
  const sim = new FleetSimulator({ nodes: 6, rpsPerNode: 200, routes: 4, samplesPerNode: 50, service: 'sim', seed: 3 });
  const adapter = new DiagnosisAdapter(store);
  const diagnoser = new Diagnoser();
  let found: ReturnType<Diagnoser['evaluate']> = [];
  for (let s = 0; s < seconds; s++) {
    if (s === sickFrom) sim.applyAnomaly({ target: 'node', index: 2, kind: 'eventloop', value: 60 });
    const now = t0 + s * 1000;
    sim.beginSecond(s);
    for (let i = 0; i < sim.nodes.length; i++) {
      const req = sim.generateNode(i, now + 100 + i * 10);
      if (req) applier.apply(req, now + 200);
    }
    store.tick(now + 1020);
    found = diagnoser.evaluate(adapter.build(now + 1020), now + 1020);
  }
  return { input: adapter.build(t0 + seconds * 1000 + 20), found, t0 };
}

describe('DiagnosisAdapter', () => {
  it('builds aligned per-second windows of every node and route from the store', () => {
    const { input, t0 } = feed(40, 1000);
    assert.equal(input.times.length, 120);
    assert.equal(input.times[119], t0 + 39 * 1000, 'the window ends at the last complete second');
    assert.equal(input.nodes.length, 6);
    for (const n of input.nodes) {
      assert.equal(n.rps.length, 120);
      assert.ok(Number.isNaN(n.rps[0]), 'seconds before the node existed have no data');
      assert.ok(Math.abs(recent(n.rps) - 200) < 20, `rps ${recent(n.rps)}`);
      assert.ok(recent(n.latencyP99) > recent(n.latencyP50));
      assert.ok(recent(n.elu) > 0 && recent(n.cpu) > 0 && recent(n.heapUsed) > 0);
      assert.equal(recent(n.heapLimit), 4e9);
    }
    assert.equal(input.routes.length, 4);
    const last = input.routes.reduce((s, r) => s + r.timeShare[119], 0);
    assert.ok(Math.abs(last - 1) < 1e-6, `time shares sum to ${last}`);
    for (const r of input.routes) assert.ok(recent(r.latencyMean!) > 0);
  });

  it('the diagnosis sees a node turn sick through the real ingest path', () => {
    const { found } = feed(40, 30);
    const f = found.find((x) => x.kind === 'event-loop-blocked');
    assert.ok(f, JSON.stringify(found.map((x) => x.kind)));
    assert.deepEqual(f.nodes, ['sim-2']);
  });
});
