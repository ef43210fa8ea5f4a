// How many connections the OTLP receiver holds open at once. Per address, exports still arriving are bounded
// (PERF_INGEST_PER_ADDRESS); across addresses nothing was: an outside audit held 960 slow connections from 15
// loopback addresses for over 50 s. Past the process's open-file limit every accept fails, the UI's and the data
// file's included, so the receiver stops well before it: a connection past the limit is closed at once (its agent
// retries with backoff; cumulative counts lose nothing) and counted in /api/v1/status.
import { readFileSync } from 'node:fs';

/** connections an agent fleet at the instance cap (PERF_MAX_NODES, 5,000) needs, twice over */
export const DEFAULT_INGEST_CONNECTIONS = 10_000;

/**
 * The soft limit on open files in `limits` (the text of /proc/self/limits: this process's by default), or undefined
 * where it cannot be read (not Linux) or is unlimited.
 */
export function openFileLimit(limits: string | undefined = readLimits()): number | undefined {
  const line = limits?.split('\n').find((l) => l.startsWith('Max open files'));
  const soft = Number(line?.slice('Max open files'.length).trim().split(/\s+/)[0]);
  return Number.isInteger(soft) && soft > 0 ? soft : undefined;
}

function readLimits(): string | undefined {
  try {
    return readFileSync('/proc/self/limits', 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * The receiver's connection limit: the one configured (PERF_INGEST_MAX_CONNECTIONS), else the default, within three
 * quarters of the open-file limit (the rest for the UI's clients, its live streams and the data file).
 */
export function ingestConnectionLimit(configured: number | undefined, fileLimit: number | undefined): number {
  if (configured !== undefined) return configured;
  return fileLimit === undefined ? DEFAULT_INGEST_CONNECTIONS : Math.max(64, Math.min(DEFAULT_INGEST_CONNECTIONS, Math.floor(fileLimit * 0.75)));
}
