import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Metrics } from '@perf/metrics';
import type { MetricBatch } from '../recording/MetricBatch.js';
import { ProcRead } from './procRead.js';
import type { Collector } from './types.js';

/** Where the process's cgroup keeps its CPU bandwidth files, and in which format. */
export interface CgroupCpuFiles {
  /** cpu.stat: nr_periods, nr_throttled, throttled_usec (v2) or throttled_time in ns (v1) */
  stat: string;
  /** v2: cpu.max ("max 100000" or "QUOTA PERIOD"); v1: cpu.cfs_quota_us (then `period`) */
  quota: string;
  /** v1 only: cpu.cfs_period_us */
  period?: string;
  version: 1 | 2;
}

/**
 * The process's CPU cgroup files, from /proc/self/cgroup and the usual mount points: cgroup v2 (unified,
 * at /sys/fs/cgroup) or v1 (the `cpu` controller at /sys/fs/cgroup/cpu or /sys/fs/cgroup/cpu,cpuacct). In
 * a container with its own cgroup namespace the path reads "/" and the mount is the container's. Undefined
 * where there is none (not Linux, no cpu controller).
 */
export function findCgroupCpu(procSelfCgroup: string, exists: (path: string) => boolean = existsSync, root = '/sys/fs/cgroup'): CgroupCpuFiles | undefined {
  const lines = procSelfCgroup.split('\n').filter(Boolean);
  const v1 = lines.map((l) => l.split(':')).find((parts) => parts.length >= 3 && parts[1].split(',').includes('cpu'));
  if (v1) {
    const path = v1.slice(2).join(':');
    for (const mount of [`${root}/cpu`, `${root}/cpu,cpuacct`, `${root}/cpuacct,cpu`]) {
      for (const dir of [`${mount}${path === '/' ? '' : path}`, mount]) {
        if (exists(`${dir}/cpu.stat`) && exists(`${dir}/cpu.cfs_quota_us`)) return { stat: `${dir}/cpu.stat`, quota: `${dir}/cpu.cfs_quota_us`, period: `${dir}/cpu.cfs_period_us`, version: 1 };
      }
    }
  }
  const v2 = lines.find((l) => l.startsWith('0::'));
  if (v2) {
    const path = v2.slice(3);
    for (const dir of [`${root}${path === '/' ? '' : path}`, root]) {
      if (exists(`${dir}/cpu.stat`) && exists(`${dir}/cpu.max`)) return { stat: `${dir}/cpu.stat`, quota: `${dir}/cpu.max`, version: 2 };
    }
  }
  return undefined;
}

export interface CgroupCpu {
  periods: number;
  throttledPeriods: number;
  /** seconds */
  throttledTime: number;
  /** cores; undefined without a quota */
  limit: number | undefined;
}

/** The numbers of one read of the files (undefined when cpu.stat lacks the bandwidth counters). */
export function parseCgroupCpu(files: Pick<CgroupCpuFiles, 'version'>, stat: string, quota: string, period?: string): CgroupCpu | undefined {
  const values = new Map<string, number>();
  for (const line of stat.split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    if (key && value !== undefined && /^\d+$/.test(value)) values.set(key, Number(value));
  }
  const periods = values.get('nr_periods');
  const throttled = values.get('nr_throttled');
  const time = files.version === 2 ? values.get('throttled_usec') : values.get('throttled_time');
  if (periods === undefined || throttled === undefined || time === undefined) return undefined;
  let limit: number | undefined;
  if (files.version === 2) {
    const [q, p] = quota.trim().split(/\s+/);
    if (q !== 'max' && Number(q) > 0 && Number(p) > 0) limit = Number(q) / Number(p);
  } else {
    const q = Number(quota.trim());
    const p = Number(period?.trim());
    if (q > 0 && p > 0) limit = q / p;
  }
  return { periods, throttledPeriods: throttled, throttledTime: files.version === 2 ? time / 1e6 : time / 1e9, limit };
}

/**
 * CPU throttling by the process's cgroup quota (Linux; absent elsewhere): a container limited to 0.5 CPU
 * that needs more is held back for the rest of each 100 ms period, and every request waits with it while
 * the process's own CPU figures look moderate. Read like the fd count (ProcRead): in the export thread at
 * collect time, in the background for Prometheus scrapes.
 */
export class CgroupCpuCollector implements Collector {
  readonly offThread = true;
  private last: CgroupCpu | undefined;
  private readonly read: ProcRead;

  constructor(sync = false, files: CgroupCpuFiles | undefined = locate()) {
    this.read = new ProcRead(
      sync,
      files !== undefined,
      () => {
        this.last = parseCgroupCpu(files!, readFileSync(files!.stat, 'utf8'), readFileSync(files!.quota, 'utf8'), files!.period && readFileSync(files!.period, 'utf8'));
      },
      async () => {
        const [stat, quota, period] = await Promise.all([readFile(files!.stat, 'utf8'), readFile(files!.quota, 'utf8'), files!.period ? readFile(files!.period, 'utf8') : undefined]);
        this.last = parseCgroupCpu(files!, stat, quota, period);
      },
    );
  }

  start(): void {
    this.read.start();
  }

  stop(): void {}

  collect(batch: MetricBatch): void {
    this.read.collect(() => {
      const c = this.last;
      if (c === undefined) return;
      batch.sum(Metrics.cpuPeriods, '{period}', 'CPU bandwidth-control periods elapsed in the process’s cgroup.', c.periods, true);
      batch.sum(Metrics.cpuThrottledPeriods, '{period}', 'Periods in which the process’s cgroup used up its CPU quota and was throttled.', c.throttledPeriods, true);
      batch.sum(Metrics.cpuThrottledTime, 's', 'Time the process’s cgroup was held back by its CPU quota.', c.throttledTime, true);
      if (c.limit !== undefined) batch.gauge(Metrics.cpuLimit, '{cpu}', 'CPU quota of the process’s cgroup, in cores.', c.limit);
    });
  }
}

function locate(): CgroupCpuFiles | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    return findCgroupCpu(readFileSync('/proc/self/cgroup', 'utf8'));
  } catch {
    return undefined;
  }
}
