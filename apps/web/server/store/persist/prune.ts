// Deletes what the data file holds past each tier's retention.
import type Database from 'better-sqlite3';
import { COARSE, FINE_SLOTS } from '../node.js';
import type { FleetStore } from '../FleetStore.js';
import { secondTier } from '../config.js';

/** Deletes rows past each tier's retention. */
export function prune(db: Database.Database, store: FleetStore, now: number): void {
  const nowSec = Math.floor(now / 1000);
  db.transaction(() => {
    store.options.tiers.forEach((t, k) => {
      const oldest = Math.floor((nowSec - t.retention) / t.step);
      for (const table of ['route_slots', 'node_slots', 'el_slots']) db.prepare(`DELETE FROM ${table} WHERE tier = ? AND slot < ?`).run(k, oldest);
    });
    db.prepare('DELETE FROM nodes WHERE last_seen < ?').run(now - store.options.nodeRetentionMs);
    // catch-up spans are spread for as long as the 10 s tier holds their seconds (FleetStore.tick)
    db.prepare('DELETE FROM catch_ups WHERE at_s < ?').run(nowSec - secondTier(store.options).retention);
    // node window histograms: as NodeState.settle drops them (10 s slots become 60 s ones within 5 minutes)
    const histStep = secondTier(store.options).step;
    const current = Math.floor(nowSec / histStep);
    db.prepare('DELETE FROM node_hists WHERE (coarse = 0 AND slot < ?) OR (coarse = 1 AND slot < ?)').run(current - FINE_SLOTS - COARSE, Math.floor((current - Math.ceil(store.options.tiers[0].retention / histStep)) / COARSE));
    db.prepare('DELETE FROM profiles WHERE NOT EXISTS (SELECT 1 FROM nodes WHERE nodes.service = profiles.service AND nodes.instance = profiles.instance)').run();
  })();
}
