import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Metrics } from '@perf/metrics';
import type { MetricBatch } from '../recording/MetricBatch.js';
import { ProcRead } from './procRead.js';
import type { Collector } from './types.js';

/**
 * How long the event-loop thread waited for a CPU while it was runnable (Linux: the second field of
 * /proc/self/schedstat, in ns; /proc/self is the process, whose schedstat is its main thread's even when
 * read from the export thread). It tells a loop that is busy but off the CPU because the host (or the
 * container's quota) gives it no core from one that sleeps in a blocking call: only the first waits on
 * the run queue. Read like the fd count (ProcRead); absent where the file is missing.
 */
export class RunDelayCollector implements Collector {
  readonly offThread = true;
  private seconds: number | undefined;
  private readonly read: ProcRead;

  constructor(sync = false, file = '/proc/self/schedstat') {
    this.read = new ProcRead(
      sync,
      process.platform === 'linux' && existsSync(file),
      () => {
        this.seconds = parseRunDelay(readFileSync(file, 'utf8'));
      },
      async () => {
        this.seconds = parseRunDelay(await readFile(file, 'utf8'));
      },
    );
  }

  start(): void {
    this.read.start();
  }

  stop(): void {}

  collect(batch: MetricBatch): void {
    this.read.collect(() => {
      if (this.seconds !== undefined) batch.sum(Metrics.eventLoopRunDelay, 's', 'Time the event-loop thread was runnable but waiting for a CPU (Linux schedstat run delay).', this.seconds, true);
    });
  }
}

/** "cpu_time_ns run_delay_ns timeslices" → [ns on a CPU, ns waiting for one] (undefined if malformed). */
export function schedstatFields(text: string): [cpuNs: number, runDelayNs: number] | undefined {
  const fields = text.trim().split(/\s+/);
  return fields.length >= 2 && /^\d+$/.test(fields[0]) && /^\d+$/.test(fields[1]) ? [Number(fields[0]), Number(fields[1])] : undefined;
}

/** /proc/self/schedstat → run delay in seconds (undefined if malformed). */
export function parseRunDelay(text: string): number | undefined {
  const f = schedstatFields(text);
  return f === undefined ? undefined : f[1] / 1e9;
}
