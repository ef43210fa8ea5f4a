// A CPU cgroup with a quota, for tests that need a process throttled for real (Linux, root, a writable cpu
// controller: cgroup v1's cpu hierarchy or v2's unified one). The test process enters it just long enough
// to spawn a child (children start in their parent's cgroup), then leaves; the child stays throttled.
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CpuCgroup {
  dir: string;
  version: 1 | 2;
  /** runs `spawn` with this process inside the cgroup, so what it starts begins there */
  spawnInside<T>(spawn: () => T): T;
  /** removes the cgroup (its processes must have exited) */
  remove(): void;
}

/** A cgroup limited to `cores` CPUs, or the reason none can be made here. */
export function makeCpuCgroup(name: string, cores: number): CpuCgroup | string {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'not root';
  const own = readFileSync('/proc/self/cgroup', 'utf8');
  const period = 100_000;
  const quota = Math.round(cores * period);
  for (const mount of ['/sys/fs/cgroup/cpu', '/sys/fs/cgroup/cpu,cpuacct']) {
    if (!existsSync(join(mount, 'cpu.cfs_quota_us'))) continue;
    const line = own.split('\n').find((l) => l.split(':')[1]?.split(',').includes('cpu'));
    const from = join(mount, line?.split(':').slice(2).join(':') ?? '/', 'cgroup.procs');
    const dir = join(mount, name);
    try {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'cpu.cfs_period_us'), String(period));
      writeFileSync(join(dir, 'cpu.cfs_quota_us'), String(quota));
    } catch (err) {
      return `cannot configure a cgroup v1 cpu group here (${(err as Error).message})`;
    }
    return group(dir, 1, from);
  }
  const root = '/sys/fs/cgroup';
  if (existsSync(join(root, 'cgroup.controllers')) && readFileSync(join(root, 'cgroup.controllers'), 'utf8').split(/\s+/).includes('cpu')) {
    const line = own.split('\n').find((l) => l.startsWith('0::'));
    const from = join(root, line?.slice(3) ?? '/', 'cgroup.procs');
    const dir = join(root, name);
    try {
      if (!readFileSync(join(root, 'cgroup.subtree_control'), 'utf8').split(/\s+/).includes('cpu')) writeFileSync(join(root, 'cgroup.subtree_control'), '+cpu');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'cpu.max'), `${quota} ${period}`);
    } catch (err) {
      return `cannot configure a cgroup v2 cpu group here (${(err as Error).message})`;
    }
    return group(dir, 2, from);
  }
  return 'no writable cpu cgroup controller (/sys/fs/cgroup/cpu or a v2 root with the cpu controller)';
}

function group(dir: string, version: 1 | 2, from: string): CpuCgroup {
  return {
    dir,
    version,
    spawnInside<T>(spawn: () => T): T {
      writeFileSync(join(dir, 'cgroup.procs'), String(process.pid));
      try {
        return spawn();
      } finally {
        writeFileSync(from, String(process.pid));
      }
    },
    remove() {
      try {
        rmdirSync(dir);
      } catch {
        // still busy: the kernel removes nothing, a later run reuses it
      }
    },
  };
}
