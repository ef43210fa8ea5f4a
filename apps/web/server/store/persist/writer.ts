// The write side of persistence: what the store settles (its sink) is buffered, then written in one transaction
// per flush.
import type Database from 'better-sqlite3';
import type { StoreHistogram } from '../histogram.js';
import { PROFILE_FIELDS, type NodeHists, type NodeState } from '../node.js';
import type { RouteState, StoreSink } from '../FleetStore.js';
import type { CatchUp } from '../catch-up.js';
import type { RequestSlot } from '../slots.js';
import { encodeHist } from './histogram-blob.js';
import { PROFILE_KINDS, profileKey } from './profiles.js';

type Row = unknown[];

/**
 * Settled slots, node rows and catch-up spans waiting for the next flush, and the statements that write them.
 */
export class Writer {
  private routeRows: Row[] = [];
  private nodeRows: Row[] = [];
  private elRows: Row[] = [];
  /** catch-up spans noted or grown since the last flush, by service, subject and span */
  private catchUpRows = new Map<string, Row>();
  /** node window histograms written (a row) or gone into a coarser one (no blobs), in order */
  private histRows: Row[] = [];
  private readonly touchedNodes = new Map<string, NodeState>();
  /** nodes forgotten since the last flush (service, instance): their rows go first in its transaction */
  private removedNodes: [string, string][] = [];
  /** the end of each node's profile last written, by service, instance and kind: a profile is written once */
  readonly profilesWritten = new Map<string, number>();
  private readonly insRoute: Database.Statement;
  private readonly insNode: Database.Statement;
  private readonly insEl: Database.Statement;
  private readonly insCatchUp: Database.Statement;
  readonly insHist: Database.Statement;
  private readonly delHist: Database.Statement;
  private readonly delHists: Database.Statement;
  private readonly upNode: Database.Statement;
  private readonly delNode: Database.Statement;
  private readonly upProfile: Database.Statement;
  private readonly delProfiles: Database.Statement;

  constructor(private readonly db: Database.Database) {
    this.insRoute = db.prepare('INSERT OR REPLACE INTO route_slots (service, method, route, tier, slot, requests, errors, hist, aborted) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
    this.insNode = db.prepare('INSERT OR REPLACE INTO node_slots VALUES (?, ?, ?, ?, ?)');
    this.insEl = db.prepare('INSERT OR REPLACE INTO el_slots VALUES (?, ?, ?, ?)');
    this.insCatchUp = db.prepare('INSERT OR REPLACE INTO catch_ups VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    this.insHist = db.prepare('INSERT OR REPLACE INTO node_hists VALUES (?, ?, ?, ?, ?, ?)');
    this.delHist = db.prepare('DELETE FROM node_hists WHERE coarse = ? AND slot = ? AND service = ? AND instance = ?');
    this.delHists = db.prepare('DELETE FROM node_hists WHERE service = ? AND instance = ?');
    this.upNode = db.prepare('INSERT OR REPLACE INTO nodes (service, instance, host, pid, version, first_seen, last_seen, stopped_at, clock_lag) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
    this.delNode = db.prepare('DELETE FROM nodes WHERE service = ? AND instance = ?');
    this.upProfile = db.prepare('INSERT OR REPLACE INTO profiles VALUES (?, ?, ?, ?, ?)');
    this.delProfiles = db.prepare('DELETE FROM profiles WHERE service = ? AND instance = ?');
  }

  readonly sink: StoreSink = {
    route: (tier: number, r: RouteState, slot: number, s: RequestSlot) => {
      this.routeRows.push([r.service, r.method, r.route, tier, slot, s.requests, s.errors, encodeHist(s.hist), s.aborted]);
    },
    node: (tier: number, n: NodeState, slot: number, row: Float32Array) => {
      const copy = Buffer.from(row.slice().buffer);
      this.nodeRows.push([n.meta.service, n.meta.instance, tier, slot, copy]);
      this.touchedNodes.set(n.meta.service + '\0' + n.meta.instance, n);
    },
    eventLoop: (tier: number, service: string, slot: number, h: StoreHistogram) => {
      this.elRows.push([service, tier, slot, encodeHist(h)]);
    },
    catchUp: (service: string, subject: string, c: CatchUp) => {
      this.catchUpRows.set(`${service}\0${subject}\0${c.from}\0${c.to}\0${c.at}`, [service, subject, c.from, c.to, c.at, c.requests, c.errors, c.aborted]);
    },
    nodeHist: (n: NodeState, coarse: boolean, slot: number, h: NodeHists | undefined) => {
      // encoded now: a coarse slot goes on merging (each merge hands it over again)
      this.histRows.push(h === undefined ? [coarse ? 1 : 0, slot, n.meta.service, n.meta.instance] : [n.meta.service, n.meta.instance, coarse ? 1 : 0, slot, encodeHist(h.lat), encodeHist(h.el)]);
    },
    nodeRemoved: (n: NodeState) => {
      this.touchedNodes.delete(n.meta.service + '\0' + n.meta.instance);
      // deleted at the next flush, in its transaction (a write here, on a full disk, threw out of the store's tick)
      this.removedNodes.push([n.meta.service, n.meta.instance]);
      for (const kind of PROFILE_KINDS) this.profilesWritten.delete(profileKey(n.meta.service, n.meta.instance, kind));
    },
  };

  /** Rows waiting for the next flush. */
  get pending(): number {
    return this.routeRows.length + this.nodeRows.length + this.elRows.length;
  }

  /** Rows dropped because writes kept failing past MAX_PENDING_ROWS (oldest first), since the start. */
  lostRows = 0;

  /**
   * Writes everything buffered in one transaction. When it fails (a full disk, an I/O error) the rows stay buffered for
   * the next flush, the oldest dropped past MAX_PENDING_ROWS (counted in lostRows): they were dropped before the
   * transaction ran, so a full disk lost every second it lasted, which read 0 req/s after a restart (outside audit AB2).
   */
  flush(): void {
    const routes = this.routeRows;
    const nodes = this.nodeRows;
    const els = this.elRows;
    const touched = [...this.touchedNodes.values()];
    const catchUps = [...this.catchUpRows.values()];
    const hists = this.histRows;
    const profiles: [string, number][] = [];
    const removed = this.removedNodes;
    try {
      this.db.transaction(() => {
        for (const [service, instance] of removed) {
          this.delNode.run(service, instance);
          this.delProfiles.run(service, instance);
          this.delHists.run(service, instance);
        }
        for (const r of routes) this.insRoute.run(...r);
        for (const r of nodes) this.insNode.run(...r);
        for (const r of els) this.insEl.run(...r);
        for (const r of catchUps) this.insCatchUp.run(...r);
        for (const r of hists) (r.length === 4 ? this.delHist : this.insHist).run(...r);
        for (const n of touched) {
          this.upNode.run(n.meta.service, n.meta.instance, n.meta.host, n.meta.pid, n.meta.version, n.firstSeen, n.lastSeen, n.stoppedAt ?? null, n.clockLag ?? null);
          // the node's last profiles, each once (a restarted dashboard shows them until the agent takes new ones)
          for (const kind of PROFILE_KINDS) {
            const p = n[PROFILE_FIELDS[kind]];
            const key = profileKey(n.meta.service, n.meta.instance, kind);
            if (p === undefined || this.profilesWritten.get(key) === p.end) continue;
            this.upProfile.run(n.meta.service, n.meta.instance, kind, p.end, JSON.stringify(p));
            profiles.push([key, p.end]);
          }
        }
      })();
    } catch (err) {
      this.trim();
      throw err;
    }
    for (const [key, end] of profiles) this.profilesWritten.set(key, end);
    this.removedNodes = [];
    this.histRows = [];
    this.catchUpRows = new Map();
    this.routeRows = [];
    this.nodeRows = [];
    this.elRows = [];
    this.touchedNodes.clear();
  }

  /** Past MAX_PENDING_ROWS rows waiting, the oldest go (slots first: they are most of them). */
  private trim(): void {
    for (const rows of [this.nodeRows, this.routeRows, this.elRows, this.histRows]) {
      const over = this.pending + this.histRows.length - MAX_PENDING_ROWS;
      if (over <= 0) return;
      const n = Math.min(over, rows.length);
      rows.splice(0, n);
      this.lostRows += n;
    }
  }
}

/** rows kept for a flush that keeps failing, at most (≈ 100–200 MB; an hour of 1,000 nodes' seconds is 3.6 million) */
const MAX_PENDING_ROWS = 1_000_000;
