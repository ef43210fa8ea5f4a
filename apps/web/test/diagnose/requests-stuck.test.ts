// requests-stuck on seeded generated fleets: requests started and never answered pile up in flight beyond what the
// node's finished requests account for (Little's law) and beyond its own past; a route hung from its first request,
// with no past of its own, was seen by no rule.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { requestsStuck } from '../../server/diagnose/rules/index.js';
import type { DiagnosisInput, FindingDraft } from '../../server/diagnose/types.js';
import { explain, evidenceLine } from '../../server/diagnose/texts.js';
import { healthyFleet, sickenNode, sickenRoute } from './generate.js';

/** A healthy fleet (its nodes' requests in flight ≈ their rate × 5 ms) with the nodes' mean durations: 5 ms. */
function fleet(seed: number): DiagnosisInput {
  const input = healthyFleet({ seed });
  for (const n of input.nodes) sickenNode(input, n.instance, 'latencyMean', 0, () => 0.005);
  return input;
}

function stuck(input: DiagnosisInput): FindingDraft[] {
  const v = requestsStuck(input);
  assert.equal(v.status, 'issue', `expected an issue, got ${JSON.stringify(v)}`);
  return v.status === 'issue' ? v.findings : [];
}

describe('requests-stuck', () => {
  it('nothing on healthy fleets (in flight as their finished requests account for)', () => {
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) assert.equal(requestsStuck(fleet(seed)).status, 'none', `seed ${seed}`);
  });

  it('a route hung from its first request: the node\'s requests in flight climb, critical while they do', () => {
    const input = fleet(11);
    // 2 more requests a second never answered on node-3 over the last 20 s (its clients wait: nothing aborted)
    sickenNode(input, 'node-3', 'inFlight', -20, (i, old) => old + 2 * (i - (input.times.length - 20) + 1));
    const [f] = stuck(input);
    assert.equal(f.kind, 'requests-stuck');
    assert.deepEqual(f.nodes, ['node-3']);
    assert.deepEqual(f.routes, []);
    assert.equal(f.severity, 'critical');
    assert.ok(Math.abs(Number(f.facts.growth) - 2) < 0.3, `growth ${f.facts.growth}`);
    const { summary } = explain(f);
    assert.match(summary, /^Requests are started and not answered on node node-3: \d+ in flight, against [01] before and 0\.\d+ that its finished requests account for, [\d.]+ more each second\.$/);
    assert.match(evidenceLine(f.evidence[0]), /^node-3 requests in flight: \d+ requests \(own recent past [01] requests\)$/);
  });

  it('a route hung from its first request, named by the routes its agent reports requests in flight on', () => {
    const input = fleet(11);
    sickenNode(input, 'node-3', 'inFlight', -20, (i, old) => old + 2 * (i - (input.times.length - 20) + 1));
    const node = input.nodes.find((x) => x.instance === 'node-3')!;
    node.inFlightRoutes = [
      { name: 'POST /api/orders', count: 38, answering: 0 },
      { name: 'GET /api/users/:id', count: 2, answering: 0 },
      { name: '_OTHER other', count: 1, answering: 0 },
    ];
    const [f] = stuck(input);
    // a route holding a fifth or more of them; not the rest, nor the agent's `other`
    assert.deepEqual(f.routes, ['POST /api/orders']);
    assert.match(explain(f).summary, /more each second; most on POST \/api\/orders \(38 of 41 unanswered at the last export\)\.$/);
    // two routes holding them (streams held on purpose beside a hung route): both, busiest first
    node.inFlightRoutes = [
      { name: 'GET /events', count: 100, answering: 0 },
      { name: 'POST /api/orders', count: 40, answering: 0 },
    ];
    const [g] = stuck(input);
    assert.deepEqual(g.routes, ['GET /events', 'POST /api/orders']);
  });

  // outside audit V: 100 server-sent-event streams opened on a new service were "started and not answered" for as long
  // as they were open; their responses had begun (the agent tells such requests apart)
  it('not for requests being answered (streams, server-sent events: their response begun), only for those left', () => {
    const input = fleet(11);
    const n = input.nodes.find((x) => x.instance === 'node-3')!;
    sickenNode(input, 'node-3', 'inFlight', -20, (i, old) => old + Math.min(100, 10 * (i - (input.times.length - 20) + 1)));
    n.inFlightRoutes = [{ name: 'GET /events', count: 100, answering: 100 }];
    assert.equal(requestsStuck(input).status, 'none');
    // the same node with requests on another route not answered at all beside them: named, by that route
    sickenNode(input, 'node-3', 'inFlight', -20, (i, old) => old + 2 * (i - (input.times.length - 20) + 1));
    n.inFlightRoutes = [
      { name: 'GET /events', count: 100, answering: 100 },
      { name: 'POST /api/orders', count: 40, answering: 0 },
    ];
    const [f] = stuck(input);
    assert.deepEqual(f.routes, ['POST /api/orders']);
    assert.match(explain(f).summary, /; most on POST \/api\/orders \(40 of 40 unanswered at the last export\)\.$/);
    // streams their clients close (aborted, in the agent's count) are not "clients giving up"
    sickenRoute(input, null, '/health', 'aborted', -10, () => 3);
    sickenRoute(input, null, '/health', 'rps', -10, () => 0);
    n.inFlightRoutes = [
      { name: 'GET /health', count: 100, answering: 100 },
      { name: 'POST /api/orders', count: 40, answering: 0 },
    ];
    const [g] = stuck(input);
    assert.deepEqual(g.routes, ['POST /api/orders']);
    assert.doesNotMatch(explain(g).summary, /give up/);
  });

  // outside audit W: a hang on a node that also held 100 SSE streams all along was named after 78 s instead of 15: the
  // streams, in its past and in its count, put the line at 3× their number
  it('a hang beside streams held all along: the streams are not counted in the line three times', () => {
    const input = fleet(14);
    const n = input.nodes.find((x) => x.instance === 'node-2')!;
    sickenNode(input, 'node-2', 'inFlight', 0, (_, old) => old + 100);
    // 40 requests hung 8 s ago (their clients wait)
    sickenNode(input, 'node-2', 'inFlight', -8, (_, old) => old + 40);
    n.inFlightRoutes = [
      { name: 'GET /events', count: 100, answering: 100 },
      { name: 'POST /api/orders', count: 40, answering: 0 },
    ];
    const [f] = stuck(input);
    assert.deepEqual(f.nodes, ['node-2']);
    assert.deepEqual(f.routes, ['POST /api/orders']);
  });

  // outside audit W: on a service new to the dashboard, a route whose requests take 20–40 s by design (an export) looked
  // hung until its first requests finished, critical for 15 s; with nothing known of what the node held before, a warning
  it('a service new to the dashboard (no past anywhere): a climb is a warning, not critical', () => {
    const input = fleet(15);
    const len = input.times.length;
    for (const n of input.nodes) {
      n.startedAt = input.times[len - 20];
      for (const key of ['rps', 'latencyMean', 'inFlight'] as const) sickenNode(input, n.instance, key, 0, (i, old) => (i < len - 20 ? NaN : old));
    }
    sickenNode(input, 'node-2', 'inFlight', -18, (i, old) => old + (i - (len - 18) + 1));
    const [f] = stuck(input);
    assert.deepEqual(f.nodes, ['node-2']);
    assert.equal(f.severity, 'warning');
  });

  it('hung requests whose clients give up: a plateau, a warning, naming the route they abandon', () => {
    const input = fleet(12);
    // 3 a second hang for 20 s until their clients leave: 60 in flight, 3 a second aborted on POST /api/orders, none finished
    sickenNode(input, 'node-1', 'inFlight', -8, (_, old) => old + 60);
    sickenRoute(input, null, '/api/orders', 'aborted', -10, () => 3);
    sickenRoute(input, null, '/api/orders', 'rps', -10, () => 0);
    const [f] = stuck(input);
    assert.deepEqual(f.nodes, ['node-1']);
    assert.deepEqual(f.routes, ['POST /api/orders']);
    assert.equal(f.severity, 'warning');
    assert.match(explain(f).summary, /; clients give up on 100% of POST \/api\/orders's requests\.$/);
    // held against the past it was raised against once the plateau fills the window's past
    const later = fleet(12);
    sickenNode(later, 'node-1', 'inFlight', 0, (_, old) => old + 60);
    assert.equal(requestsStuck(later).status, 'none', 'the window alone: its own normal');
    const heldSince = (ms: number) => new Map([[`requests-stuck|nodes|${f.subject}`, { since: later.times.at(-1)! - ms, facts: f.facts, nodes: f.nodes }]]);
    assert.deepEqual(stuck({ ...later, active: heldSince(60_000) })[0].nodes, ['node-1']);
    // level for over 5 minutes since: its normal now (an outside audit's server-sent-events node stayed "stuck" while
    // its streams were open), judged against its own past again
    assert.equal(requestsStuck({ ...later, active: heldSince(6 * 60_000) }).status, 'none');
  });

  it('a node started within the window with requests hung from the first: nothing before it, so its past is its peers\'', () => {
    const input = fleet(13);
    const n = input.nodes.find((x) => x.instance === 'node-2')!;
    n.startedAt = input.times[input.times.length - 12];
    for (const key of ['rps', 'latencyMean', 'inFlight'] as const) sickenNode(input, 'node-2', key, 0, (i, old) => (i < input.times.length - 12 ? NaN : old));
    sickenNode(input, 'node-2', 'inFlight', -12, (_, old) => old + 25);
    assert.deepEqual(stuck(input)[0].nodes, ['node-2']);
    // seen for as long but not started within the window: judged against its peers' past
    delete n.startedAt;
    assert.deepEqual(stuck(input)[0].nodes, ['node-2']);
    // and with no peer past either (the dashboard just started): nothing to judge against
    for (const p of input.nodes) sickenNode(input, p.instance, 'inFlight', 0, (i, old) => (i < input.times.length - 12 ? NaN : old));
    assert.equal(requestsStuck(input).status, 'none');
  });

  // outside audit: each node of a server-sent-events service restarted by a deploy was named while its clients
  // reconnected ("300 in flight, against 0 before")
  it('not for a node filling up to the streams its peers hold (a restart or deploy of a streaming service)', () => {
    const input = fleet(17);
    for (const n of input.nodes) sickenNode(input, n.instance, 'inFlight', 0, (_, old) => old + 300);
    const n = input.nodes.find((x) => x.instance === 'node-2')!;
    n.startedAt = input.times[input.times.length - 20];
    // node-2 restarted 20 s ago (too little for a past of its own): nothing before, then its clients reconnect, 15 a
    // second up to the 300 its peers hold
    sickenNode(input, 'node-2', 'inFlight', 0, (i, old) => (i < input.times.length - 20 ? NaN : Math.min(old, 15 * (i - (input.times.length - 20)))));
    assert.equal(requestsStuck(input).status, 'none');
    // its peers without streams: the same climb is requests piling up
    const alone = fleet(17);
    const m = alone.nodes.find((x) => x.instance === 'node-2')!;
    m.startedAt = alone.times[alone.times.length - 20];
    sickenNode(alone, 'node-2', 'inFlight', 0, (i, old) => (i < alone.times.length - 20 ? NaN : old + 15 * (i - (alone.times.length - 20))));
    assert.deepEqual(stuck(alone)[0].nodes, ['node-2']);
  });

  // outside audit: a node whose count began climbing while the dashboard was down went from 45 to 488 unnamed (its own
  // past was the climb itself)
  it('a node climbing since before the window: judged against its peers\' past, not the climb', () => {
    const input = fleet(18);
    sickenNode(input, 'node-1', 'inFlight', 0, (i, old) => old + 45 + 2 * i);
    assert.deepEqual(stuck(input)[0].nodes, ['node-1']);
  });

  // outside audit: a downstream 300 ms → 3 s at 70 requests a second, every request finishing, was called stuck (critical)
  // for 6 s: the 10 s mean of finished durations lagged the step
  it('not for a step in duration whose requests finish (the recent finished requests account for them)', () => {
    for (const seed of [19, 20, 21]) {
      const input = fleet(seed);
      const n = input.nodes[4];
      const len = input.times.length;
      const step = len - 9;
      for (let i = 0; i < len; i++) {
        n.rps[i] = i >= step && i < step + 3 ? 7 : 70;
        n.latencyMean![i] = i < step + 3 ? 0.3 : 3;
        n.inFlight![i] = i < step ? 21 : Math.min(210, 21 + 63 * (i - step + 1));
      }
      // each second of the step as the engine sees it, window by window
      for (let end = step + 1; end <= len; end++) {
        const cut = { ...input, times: input.times.slice(0, end), nodes: input.nodes.map((x) => ({ ...x, ...Object.fromEntries((['rps', 'latencyMean', 'inFlight'] as const).map((k) => [k, (x[k] as Float64Array).subarray(0, end)])) })) };
        assert.equal(requestsStuck(cut).status, 'none', `seed ${seed}, ${end - step} s after the step`);
      }
    }
  });

  it('not for requests in flight its finished requests account for: a slower downstream, or more load', () => {
    const slow = fleet(14);
    // the mean duration 5 ms → 400 ms (requests still finish): 40 in flight, as Little's law has it
    sickenNode(slow, 'node-4', 'latencyMean', -15, () => 0.4);
    sickenNode(slow, 'node-4', 'inFlight', -8, (i) => Math.round(slow.nodes[4].rps[i] * 0.4));
    assert.equal(requestsStuck(slow).status, 'none');
    // requests held open on purpose all along (streams, server-sent events): the node's own normal
    const streams = fleet(15);
    sickenNode(streams, 'node-0', 'inFlight', 0, (_, old) => old + 500);
    assert.equal(requestsStuck(streams).status, 'none');
    // a few more in flight than usual: under the floor of 10
    const few = fleet(16);
    sickenNode(few, 'node-0', 'inFlight', -8, (_, old) => old + 6);
    assert.equal(requestsStuck(few).status, 'none');
  });

  it('nodes whose agent does not report requests in flight (the OpenTelemetry SDK): not enough data', () => {
    const input = healthyFleet({ seed: 1 });
    for (const n of input.nodes) delete n.inFlight;
    assert.equal(requestsStuck(input).status, 'insufficient-data');
  });
});
