import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Metrics } from '@perf/metrics';
import type { MetricBatch } from '../recording/MetricBatch.js';
import { ProcRead } from './procRead.js';
import type { Collector } from './types.js';

const NETSTAT = '/proc/net/netstat';

/**
 * Linux listen-queue overflows and drops (TcpExt ListenOverflows / ListenDrops in /proc/net/netstat,
 * counters since boot for the network namespace): connections refused because an accept queue was full,
 * the first sign of a server that cannot accept fast enough (raise the listen backlog and
 * net.core.somaxconn). Absent where the file does not exist. Read as ProcRead says (export thread:
 * synchronously; app's thread: in the background).
 */
export class NetstatCollector implements Collector {
  /** read by the export thread, not by the app's thread, for OTLP */
  readonly offThread = true;
  private overflows: number | undefined;
  private drops: number | undefined;
  private readonly read: ProcRead;

  constructor(sync = false) {
    const supported = process.platform === 'linux' && existsSync(NETSTAT);
    this.read = new ProcRead(
      sync,
      supported,
      () => this.parse(readFileSync(NETSTAT, 'utf8')),
      async () => this.parse(await readFile(NETSTAT, 'utf8')),
    );
  }

  start(): void {
    this.read.start();
  }

  stop(): void {}

  /** Listen overflows + drops so far (host-wide), as of the last read; undefined before one succeeded. */
  pressure(): number | undefined {
    return this.overflows === undefined && this.drops === undefined ? undefined : (this.overflows ?? 0) + (this.drops ?? 0);
  }

  private parse(text: string): void {
    const values = parseTcpExt(text);
    this.overflows = values.get('ListenOverflows');
    this.drops = values.get('ListenDrops');
  }

  collect(batch: MetricBatch): void {
    this.read.collect(() => {
      if (this.overflows !== undefined) batch.sum(Metrics.listenOverflows, '{connection}', 'TCP connections dropped because a listen queue was full (Linux ListenOverflows, host-wide).', this.overflows, true);
      if (this.drops !== undefined) batch.sum(Metrics.listenDrops, '{connection}', 'TCP connection requests dropped at a listening socket (Linux ListenDrops, host-wide).', this.drops, true);
    });
  }
}

/** The `TcpExt:` header/value line pair of /proc/net/netstat as a name → value map. */
export function parseTcpExt(text: string): Map<string, number> {
  const out = new Map<string, number>();
  const lines = text.split('\n');
  for (let i = 0; i + 1 < lines.length; i++) {
    if (!lines[i].startsWith('TcpExt:') || !lines[i + 1].startsWith('TcpExt:')) continue;
    const names = lines[i].split(/\s+/);
    const values = lines[i + 1].split(/\s+/);
    for (let j = 1; j < names.length && j < values.length; j++) out.set(names[j], Number(values[j]));
    break;
  }
  return out;
}
