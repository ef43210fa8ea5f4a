// Finding the process's CPU cgroup (v1 and v2, with and without a cgroup namespace) and reading its
// bandwidth counters and quota.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findCgroupCpu, parseCgroupCpu } from '../../src/collectors/cgroupCpu.js';

const has = (...paths: string[]) => (p: string) => paths.includes(p);

test('cgroup v1: the cpu controller line, under its mount, else the mount itself (a cgroup namespace)', () => {
  const cg = '12:memory:/docker/abc\n4:cpu,cpuacct:/docker/abc\n0::/docker/abc\n';
  const files = findCgroupCpu(cg, has('/r/cpu,cpuacct/docker/abc/cpu.stat', '/r/cpu,cpuacct/docker/abc/cpu.cfs_quota_us'), '/r');
  assert.deepEqual(files, { stat: '/r/cpu,cpuacct/docker/abc/cpu.stat', quota: '/r/cpu,cpuacct/docker/abc/cpu.cfs_quota_us', period: '/r/cpu,cpuacct/docker/abc/cpu.cfs_period_us', version: 1 });
  const ns = findCgroupCpu(cg, has('/r/cpu/cpu.stat', '/r/cpu/cpu.cfs_quota_us'), '/r');
  assert.equal(ns?.stat, '/r/cpu/cpu.stat');
  // cpuacct alone is not the cpu controller
  assert.equal(findCgroupCpu('3:cpuacct:/x\n', () => true, '/r'), undefined);
});

test('cgroup v2: the unified line', () => {
  const files = findCgroupCpu('0::/kubepods/pod1/c1\n', has('/r/kubepods/pod1/c1/cpu.stat', '/r/kubepods/pod1/c1/cpu.max'), '/r');
  assert.deepEqual(files, { stat: '/r/kubepods/pod1/c1/cpu.stat', quota: '/r/kubepods/pod1/c1/cpu.max', version: 2 });
  // no cpu controller delegated there (no cpu.max): nothing to read
  assert.equal(findCgroupCpu('0::/user.slice\n', has('/r/user.slice/cpu.stat'), '/r'), undefined);
});

test('v2 counters in µs, v1 in ns; the quota in cores only when one is set', () => {
  const v2 = 'usage_usec 100\nuser_usec 60\nsystem_usec 40\nnr_periods 50\nnr_throttled 20\nthrottled_usec 1500000\n';
  assert.deepEqual(parseCgroupCpu({ version: 2 }, v2, '50000 100000\n'), { periods: 50, throttledPeriods: 20, throttledTime: 1.5, limit: 0.5 });
  assert.equal(parseCgroupCpu({ version: 2 }, v2, 'max 100000\n')?.limit, undefined);
  const v1 = 'nr_periods 7\nnr_throttled 3\nthrottled_time 250000000\n';
  assert.deepEqual(parseCgroupCpu({ version: 1 }, v1, '20000\n', '100000\n'), { periods: 7, throttledPeriods: 3, throttledTime: 0.25, limit: 0.2 });
  assert.equal(parseCgroupCpu({ version: 1 }, v1, '-1\n', '100000\n')?.limit, undefined);
  // a cpu.stat without bandwidth counters (v2 cgroup without the cpu controller) reports nothing
  assert.equal(parseCgroupCpu({ version: 2 }, 'usage_usec 100\nuser_usec 60\n', 'max 100000'), undefined);
});
