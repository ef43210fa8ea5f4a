// Outside audit (new user): a node-scoped rps floor firing for a node that was up when the dashboard stopped and has
// not reported since it started again (its agent backing off, or stopped) sent `resolved` about 10 s after the
// restart, then a new `firing` with a new startsAt about 36 s after it. The restore's hold (the longest rule window,
// at least 10 s) ended while the node, not heard from since the restart, was neither up with a rate nor down yet (its
// restart grace, 36 s): its rate was unknown, which the evaluator counts as clear.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { FleetStore } from '../../../server/store/FleetStore.js';
import { Persistence } from '../../../server/store/persist.js';
import { FleetView } from '../../../server/query/FleetView.js';
import { Applier } from '../../../server/ingest/apply.js';
import { IngestStats } from '../../../server/ingest/stats.js';
import { FleetViewSource } from '../../../server/alerts/source/fleet-view-source.js';
import { expPoint, httpExp, request, resource } from '../../server/lib/otlp.js';
import { openEngine, tempDir } from '../lib/engine.js';
import type { Notification } from '../../../server/alerts/types.js';

test('a firing alert of a node silent since the restart is held until the node is judged, not resolved and fired again', async () => {
  const tmp = tempDir('perf-silent-restart-');
  // the restart at second 40 is now (the engine's hold starts at the real clock)
  const T0 = Date.now() - 40_000;
  const ms = (s: number) => T0 + s * 1000;
  const START = (T0 - 60_000) * 1e6;
  // node a serves 2 req/s: under the floor of 5
  const http = (s: number) => request(resource('svc', 'a'), [httpExp('cumulative', [expPoint({ start: START, time: ms(s) * 1e6, offset: -7, counts: [2 * (s + 60)] })])]);
  const sent: Notification[] = [];
  const dashboard = (from: number) => {
    const store = new FleetStore({}, ms(from));
    const persistence = Persistence.open(tmp.dir, () => {});
    persistence.load(store, ms(from));
    persistence.loadStates(store);
    store.sink = persistence.sink;
    const alerts = openEngine(join(tmp.dir, 'alerts.sqlite'), new FleetViewSource(new FleetView(store)), { evaluator: { resolveAfterMs: 10_000 } });
    const tick = (s: number) => {
      store.tick(ms(s) + 400);
      sent.push(...alerts.engine.tick(ms(s) + 400));
    };
    return { store, persistence, alerts, tick, applier: new Applier(store, new IngestStats()) };
  };
  try {
    const first = dashboard(1);
    first.alerts.engine.createRule({ name: 'a rps low', service: 'svc', scope: 'node', metric: 'rps', op: '<', threshold: 5, window: '10s', targets: [] });
    for (let s = 1; s <= 30; s++) {
      first.applier.apply(http(s), ms(s));
      first.tick(s);
    }
    assert.deepEqual(sent.map((n) => n.status), ['firing']);
    const startsAt = sent[0].alerts[0].activeAt;
    // a graceful stop after second 30
    first.store.tick(ms(30) + 900 + first.store.options.settleSeconds * 1000);
    first.persistence.flush(ms(30) + 900);
    first.persistence.saveStates(first.store);
    first.persistence.close();
    await first.alerts.close();
    // restarted at second 40; a never reports again
    const second = dashboard(40);
    try {
      for (let s = 40; s <= 100; s++) second.tick(s);
      assert.deepEqual(sent.map((n) => n.status), ['firing'], 'neither resolved nor fired again');
      const [alert] = second.alerts.engine.listAlerts().active;
      assert.equal(alert.state, 'firing');
      assert.equal(alert.startsAt, startsAt);
    } finally {
      second.persistence.close();
      await second.alerts.close();
    }
  } finally {
    tmp.cleanup();
  }
});
