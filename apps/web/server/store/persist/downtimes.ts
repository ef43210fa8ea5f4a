// The dashboard's downtimes: the seconds nothing could be received in, from the last one written before a stop or
// crash to the start; the earlier ones still in the retention kept in the data file for the next restart.
import type Database from 'better-sqlite3';
import type { FleetStore } from '../FleetStore.js';

/** downtimes of the dashboard kept in the data file (the newest) */
const MAX_DOWNTIMES = 100;

/**
 * Sets the store's downtime (from the second after `lastWritten` to `nowSec`, Unix s; none when nothing was written)
 * and its list of downtimes, and saves that list.
 */
export function restoreDowntimes(db: Database.Database, store: FleetStore, nowSec: number, lastWritten: number): void {
  if (lastWritten >= 0 && lastWritten < nowSec) {
    store.downtime = { from: lastWritten + 1, to: nowSec };
    // the nodes live when it began: their requests are unknown from there until ingest counts them again (with
    // saved states, their first export's delta reaches back before it; after a crash, the first point is a baseline)
    const liveSince = (lastWritten + 1) * 1000 - store.options.nodeDownAfterMs;
    for (const svc of store.services.values()) {
      for (const n of svc.nodes.values()) {
        if (n.stoppedAt !== undefined || n.lastSeen < liveSince) continue;
        n.unknownFrom = lastWritten + 1;
        n.countedFrom = undefined;
      }
    }
  }
  // the earlier downtimes still in the retention, and this one, kept for the next restart
  const longest = Math.max(...store.options.tiers.map((t) => t.retention));
  const saved = db.prepare("SELECT value FROM meta WHERE key = 'downtimes'").get() as { value: string } | undefined;
  let downtimes: { from: number; to: number }[] = [];
  try {
    const parsed: unknown = saved === undefined ? [] : JSON.parse(saved.value);
    if (Array.isArray(parsed)) downtimes = parsed.filter((d) => Number.isInteger(d?.from) && Number.isInteger(d?.to) && d.from <= d.to && d.to >= nowSec - longest);
  } catch {
    // a value that does not parse: no earlier downtime is known
  }
  if (store.downtime !== undefined) downtimes.push(store.downtime);
  store.downtimes = downtimes.slice(-MAX_DOWNTIMES);
  db.prepare("INSERT OR REPLACE INTO meta VALUES ('downtimes', ?)").run(JSON.stringify(store.downtimes));
}
