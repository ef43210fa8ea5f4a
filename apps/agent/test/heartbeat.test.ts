import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { now } from '../src/clock.js';
import { Heartbeat } from '../src/heartbeat.js';

test('beats every R ms on a busy loop, 5× less often on an idle one, and never overshoot a deadline', async () => {
  const beats: { t: number; expected: number; late: number }[] = [];
  let deadline = Infinity;
  const hb = new Heartbeat(20, (t, late, expected) => {
    beats.push({ t, expected, late });
    return deadline - t;
  });
  hb.start();
  await sleep(800); // idle
  const idle = beats.slice(2).map((b) => b.expected);
  assert.ok(idle.filter((e) => e === 100).length >= 3, `idle beats: ${idle.join(' ')}`);

  // busy: spin 8 ms of every 10 ms for 400 ms
  beats.length = 0;
  const end = now() + 400;
  while (now() < end) {
    const stop = now() + 8;
    while (now() < stop);
    await new Promise((r) => setImmediate(r));
  }
  const busy = beats.slice(2).map((b) => b.expected);
  assert.ok(busy.length >= 5 && busy.every((e) => e === 20), `busy beats: ${busy.join(' ')}`);

  // a deadline is met even while idle (beats are ≤ 100 ms apart, so the one before it knows it)
  await sleep(300);
  beats.length = 0;
  deadline = now() + 150;
  await sleep(350);
  hb.stop();
  const met = beats.find((b) => b.t >= deadline - 1);
  // stretched to 100 ms, an unaware beat would come up to ~100 ms after it; timers on a loaded machine run a little late
  assert.ok(met && met.t - deadline < 40, `first beat after the deadline came ${met && (met.t - deadline).toFixed(1)} ms late`);
});
