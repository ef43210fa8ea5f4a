// CPU throttling by a cgroup quota, for real: the app runs in a cgroup limited to 0.2 CPU and is asked for
// far more (requests that busy-loop 20 ms). The export thread reads the cgroup's cpu.stat and quota and
// exports the periods, the throttled periods and the throttled time as counters, the quota as a gauge;
// an app without a quota exports the counters (zero throttling) and no limit.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { GaugeMetric, SumMetric } from '@perf/metrics';
import { findCgroupCpu } from '../../src/collectors/cgroupCpu.js';
import { makeCpuCgroup, type CpuCgroup } from '../helpers/cgroup.js';
import { findMetric, OtlpSink, type Received } from '../helpers/sink.js';
import { startFixture, type Child } from '../helpers/processes.js';

const made = makeCpuCgroup(`perf-agent-test-${process.pid}`, 0.2);
const cgroup: CpuCgroup | undefined = typeof made === 'string' ? undefined : made;

function counter(r: Received, name: string): number | undefined {
  return (findMetric(r, name) as SumMetric | undefined)?.points[0]?.value;
}

describe('CPU throttling by the cgroup quota', { skip: typeof made === 'string' ? made : false }, () => {
  const sink = new OtlpSink();
  let app: Child;

  before(async () => {
    await sink.start();
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint, OTEL_SERVICE_NAME: 'throttled' };
    app = await cgroup!.spawnInside(() => startFixture('http-server.mjs', env));
  });
  after(async () => {
    await app?.kill();
    cgroup?.remove();
    await sink.stop();
  });

  test('the quota as a gauge, and throttling that grows with demand beyond it', async () => {
    const first = await sink.waitFor((r) => counter(r, 'container.cpu.throttling_data.periods') !== undefined);
    const limit = (findMetric(first, 'container.cpu.limit') as GaugeMetric | undefined)?.points[0]?.value;
    assert.ok(limit !== undefined && Math.abs(limit - 0.2) < 1e-9, `limit ${limit}`);
    const t0 = Date.now();
    const base = { time: counter(first, 'container.cpu.throttling_data.throttled_time')!, throttled: counter(first, 'container.cpu.throttling_data.throttled_periods')!, periods: counter(first, 'container.cpu.throttling_data.periods')! };
    // two clients asking for 20 ms of CPU each, back to back, for 3 s: ~1 CPU wanted, 0.2 allowed
    const until = Date.now() + 3000;
    await Promise.all([0, 1].map(async () => {
      while (Date.now() < until) await (await fetch(`http://127.0.0.1:${app.ready.port}/block?ms=20`)).text();
    }));
    const last = await sink.waitFor((r) => r.at > until + 300, 10_000, true);
    const seconds = (last.at - t0) / 1000;
    const time = counter(last, 'container.cpu.throttling_data.throttled_time')! - base.time;
    const throttled = counter(last, 'container.cpu.throttling_data.throttled_periods')! - base.throttled;
    const periods = counter(last, 'container.cpu.throttling_data.periods')! - base.periods;
    console.log(`cgroup cpu (v${cgroup!.version}, quota 0.2 CPU): ${throttled} of ${periods} periods throttled, ${time.toFixed(2)} s held back in ${seconds.toFixed(1)} s`);
    assert.ok(periods >= 20, `${periods} periods`);
    assert.ok(throttled >= 0.5 * periods, `${throttled} of ${periods} periods throttled`);
    assert.ok(time >= 0.3 * seconds, `${time} s throttled in ${seconds} s`);
  });
});

describe('without a quota', { skip: process.platform === 'linux' ? false : 'Linux only' }, () => {
  const sink = new OtlpSink();
  let app: Child;
  before(async () => {
    await sink.start();
    app = await startFixture('http-server.mjs', { OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint, OTEL_SERVICE_NAME: 'free' });
  });
  after(async () => {
    await app?.kill();
    await sink.stop();
  });

  test('the counters where the process has a cpu cgroup, never a limit', async () => {
    const here = findCgroupCpu(readFileSync('/proc/self/cgroup', 'utf8'));
    const r = await sink.waitFor((x) => findMetric(x, 'process.cpu.utilization') !== undefined && findMetric(x, 'process.open_file_descriptor.count') !== undefined);
    if (here) assert.equal(typeof counter(r, 'container.cpu.throttling_data.throttled_periods'), 'number');
    else assert.equal(findMetric(r, 'container.cpu.throttling_data.periods'), undefined, 'absent, not zero, without a cpu cgroup');
    assert.equal(findMetric(r, 'container.cpu.limit'), undefined);
  });
});
