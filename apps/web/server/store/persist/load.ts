// The history the data file holds, read into a fresh store at start: nodes, their profiles and window histograms,
// each tier's slots, and the catch-up spans still spread. Rows that cannot be what they claim are left out, and counted.
import type Database from 'better-sqlite3';
import type { StoreHistogram } from '../histogram.js';
import { NodeState, NODE_FIELDS, type NodeHists } from '../node.js';
import { NODE_SUBJECT, ROUTE_SUBJECT, type FleetStore } from '../FleetStore.js';
import { saneNodeRow } from '../domain.js';
import { secondTier } from '../config.js';
import { RowDamage, decodeHist } from './histogram-blob.js';
import { PROFILE_KINDS, profileKey, setProfile, type ProfileKind } from './profiles.js';
import { restoreDowntimes } from './downtimes.js';

/**
 * Loads persisted history into a fresh store (nodes keep their last-seen time, so they show as down); notes each
 * profile read in `profilesWritten` (it is not written again).
 */
export function loadHistory(db: Database.Database, store: FleetStore, now: number, profilesWritten: Map<string, number>): { routes: number; nodes: number; slots: number; skipped: number } {
  const nowSec = Math.floor(now / 1000);
  let slots = 0;
  /** rows that cannot be what they claim (see decodeHist): left out, and counted */
  let skipped = 0;
  // and, whatever their age, the nodes a graceful stop saved series states for: a stop longer than PERF_NODE_RETENTION
  // dropped them, and with them everything served meanwhile (durability audit: 2,152 counted of 6,002)
  const nodeRows = db
    .prepare('SELECT * FROM nodes WHERE last_seen >= ? OR EXISTS (SELECT 1 FROM series_state s WHERE s.service = nodes.service AND s.instance = nodes.instance)')
    .all(now - store.options.nodeRetentionMs) as {
    service: string;
    instance: string;
    host: string;
    pid: number | null;
    version: string | null;
    first_seen: number;
    last_seen: number;
    stopped_at: number | null;
    clock_lag: number | null;
  }[];
  for (const r of nodeRows) {
    const svc = store.service(r.service);
    const n = new NodeState({ service: r.service, instance: r.instance, host: r.host, pid: r.pid, version: r.version }, store.options.tiers, store.options.nodeScale, r.first_seen);
    const firstSec = Math.floor(r.first_seen / 1000);
    if (firstSec < svc.dataSince) svc.dataSince = firstSec;
    n.lastSeen = r.last_seen;
    if (r.stopped_at !== null && r.stopped_at !== undefined) n.stoppedAt = r.stopped_at;
    if (typeof r.clock_lag === 'number') n.restoreClock(r.clock_lag);
    svc.nodes.set(r.instance, n);
    if (r.last_seen > svc.lastSeen) svc.lastSeen = r.last_seen;
  }
  for (const r of db.prepare('SELECT service, instance, kind, end_ms, body FROM profiles').iterate() as Iterable<{ service: string; instance: string; kind: string; end_ms: number; body: string }>) {
    const n = store.services.get(r.service)?.nodes.get(r.instance);
    if (n === undefined || !(PROFILE_KINDS as readonly string[]).includes(r.kind)) continue;
    try {
      setProfile(n, r.kind as ProfileKind, r.body);
      profilesWritten.set(profileKey(r.service, r.instance, r.kind), r.end_ms);
    } catch {
      // an unreadable row: the node shows its next profile
    }
  }
  // each node's window histograms (its percentiles over a window: a restart showed "—" for every node until it served again)
  type HistRow = { service: string; instance: string; coarse: number; slot: number; lat: Buffer; el: Buffer };
  const histSlotNow = Math.floor(nowSec / secondTier(store.options).step);
  for (const r of db.prepare('SELECT * FROM node_hists').iterate() as Iterable<HistRow>) {
    const n = store.services.get(r.service)?.nodes.get(r.instance);
    if (n === undefined) continue;
    let h: NodeHists;
    try {
      h = { lat: decodeHist(r.lat), el: decodeHist(r.el) };
    } catch (err) {
      if (!(err instanceof RowDamage)) throw err;
      skipped++;
      continue;
    }
    if (r.coarse === 1) n.coarse.set(r.slot, h);
    else {
      n.hists.set(r.slot, h);
      // (one a graceful stop wrote while it filled, and still filling now, is written again once complete)
      if (r.slot > n.histsWrittenUntil && r.slot < histSlotNow) n.histsWrittenUntil = r.slot;
    }
  }
  const maxSlot: number[] = store.options.tiers.map(() => -1);
  let lastNodeSecond = -1;
  store.options.tiers.forEach((t, k) => {
    const oldest = Math.floor((nowSec - t.retention) / t.step);
    for (const r of db.prepare('SELECT * FROM route_slots WHERE tier = ? AND slot >= ? ORDER BY slot').iterate(k, oldest) as Iterable<{
      service: string;
      method: string;
      route: string;
      slot: number;
      requests: number;
      errors: number;
      hist: Buffer;
      aborted: number;
    }>) {
      let hist: StoreHistogram;
      try {
        hist = decodeHist(r.hist);
        if (!(r.requests >= 0 && r.errors >= 0 && r.errors <= r.requests && r.aborted >= 0 && Number.isFinite(r.aborted))) throw new RowDamage('counts');
      } catch {
        skipped++;
        continue;
      }
      const svc = store.service(r.service);
      const route = store.route(svc, r.method, r.route);
      route.tiers[k].set(r.slot, { requests: r.requests, errors: r.errors, aborted: r.aborted, hist });
      if (r.slot > maxSlot[k]) maxSlot[k] = r.slot;
      const since = r.slot * store.options.tiers[k].step;
      store.noteRouteData(svc, route, since + store.options.tiers[k].step - 1);
      if (since < store.dataSince) store.dataSince = since;
      if (since < svc.dataSince) svc.dataSince = since;
      slots++;
    }
    for (const r of db.prepare('SELECT * FROM el_slots WHERE tier = ? AND slot >= ? ORDER BY slot').iterate(k, oldest) as Iterable<{
      service: string;
      slot: number;
      hist: Buffer;
    }>) {
      let hist: StoreHistogram;
      try {
        hist = decodeHist(r.hist);
      } catch {
        skipped++;
        continue;
      }
      store.service(r.service).el[k].set(r.slot, hist);
      slots++;
    }
    for (const r of db.prepare('SELECT * FROM node_slots WHERE tier = ? AND slot >= ? ORDER BY slot').iterate(k, oldest) as Iterable<{
      service: string;
      instance: string;
      slot: number;
      row: Buffer;
    }>) {
      const n = store.services.get(r.service)?.nodes.get(r.instance);
      if (n === undefined) continue;
      if (r.row.byteLength % 4 !== 0) {
        skipped++;
        continue;
      }
      const src = new Float32Array(r.row.buffer.slice(r.row.byteOffset, r.row.byteOffset + r.row.byteLength));
      // each field within what ingest lets into it (domain.ts): garbage reads as values no field can have (an event-loop
      // max of 1.4e22 s, a negative heap)
      if (!saneNodeRow(src)) {
        skipped++;
        continue;
      }
      const dst = n.tiers[k].row(r.slot, true)!;
      dst.set(src.subarray(0, NODE_FIELDS));
      if (k === 0 && r.slot > lastNodeSecond) lastNodeSecond = r.slot;
      slots++;
    }
  });
  // coarser tiers resume rolling up right after what they hold, from the finest tier's seconds
  const tier0Oldest = nowSec - store.options.tiers[0].retention;
  for (let k = 1; k < store.options.tiers.length; k++) {
    const step = store.options.tiers[k].step;
    if (maxSlot[k] >= 0) store.rolledUntil[k] = Math.max(maxSlot[k] + 1, Math.floor(tier0Oldest / step) + 1);
  }
  // the seconds nothing could be received in: from the last one written before the stop or crash (a node's or a
  // route's; else the last export heard) to now
  let lastHeard = -1;
  for (const r of nodeRows) lastHeard = Math.max(lastHeard, Math.floor(r.last_seen / 1000));
  for (const r of nodeRows) store.lastHeardBeforeStop = Math.max(store.lastHeardBeforeStop, r.last_seen);
  const lastWritten = Math.max(maxSlot[0], lastNodeSecond) >= 0 ? Math.max(maxSlot[0], lastNodeSecond) : lastHeard;
  restoreDowntimes(db, store, nowSec, lastWritten);
  // the catch-up spans of the 10 s tier's retention: their requests are spread over the seconds they were served in
  const spreadSince = nowSec - secondTier(store.options).retention;
  type SpanRow = { service: string; subject: string; from_s: number; to_s: number; at_s: number; requests: number; errors: number; aborted: number };
  for (const c of db.prepare('SELECT * FROM catch_ups WHERE at_s >= ? ORDER BY at_s').iterate(spreadSince) as Iterable<SpanRow>) {
    const svc = store.services.get(c.service);
    if (svc === undefined || !(c.requests >= 0 && c.errors >= 0 && c.aborted >= 0 && c.from_s <= c.to_s)) continue;
    const key = c.subject.slice(2);
    const subject = c.subject.startsWith(ROUTE_SUBJECT) ? svc.routes.get(key) : c.subject.startsWith(NODE_SUBJECT) ? svc.nodes.get(key) : undefined;
    if (subject === undefined) continue;
    (subject.catchUps ??= []).push({ from: c.from_s, to: c.to_s, at: c.at_s, requests: c.requests, errors: c.errors, aborted: c.aborted });
  }
  const routes = [...store.services.values()].reduce((a, s) => a + s.routes.size, 0);
  return { routes, nodes: nodeRows.length, slots, skipped };
}
