// One piece of the agent switched off and on inside one loaded server, to measure what it costs without
// comparing two processes (CPU time compared between processes moves by ±5% with the neighbours here, and
// two processes also differ in memory layout and JIT state). The hello-world server runs with the agent,
// pinned to CPU 1 and loaded from CPU 0 (as run.ts); every TOGGLE_PHASE ms (200) it switches the piece,
// noting its own CPU time and requests per phase; each adjacent on/off pair gives a ratio; the median and
// quartiles of the ratios are printed. PIECE: http (the HTTP probe's channel subscriptions), gc (the GC
// probe), heartbeat (the agent's one timer: event-loop samples, GC windows, export snapshots), none (A/A);
// channel-noop, channel-request-property, channel-socket-property: extra subscribers beside the agent (what the
// HTTP probe's ingredients cost alone).
//   node bench/overhead/toggle.mjs [piece …]      (TOGGLE_SECONDS=50, TOGGLE_PHASE=200, TOGGLE_RATE=0 = as fast as it goes)
import { execFileSync, fork, spawn } from 'node:child_process';
import http from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

if (process.env.TOGGLE_SERVER === '1') {
  // the server: the agent started through its API (so the pieces are reachable), a hello-world handler
  const api = await import('../../apps/agent/dist/api.js');
  const dc = await import('node:diagnostics_channel');
  const kProbe = Symbol('toggle.probe');
  let sink = 0;
  /** [off, on] for a pair of subscribers on node:http's request.start / response.finish channels */
  function channelPiece(onStart, onFinish) {
    const subscribe = () => {
      dc.subscribe('http.server.request.start', onStart);
      dc.subscribe('http.server.response.finish', onFinish);
    };
    subscribe();
    return [
      () => {
        dc.unsubscribe('http.server.request.start', onStart);
        dc.unsubscribe('http.server.response.finish', onFinish);
      },
      subscribe,
    ];
  }
  const agent = api.start();
  const pieces = {
    gc: [() => agent.gc.stop(), () => agent.gc.start()],
    http: [() => agent.http.stop(), () => agent.http.start()],
    heartbeat: [() => agent.heartbeat.stop(), () => agent.heartbeat.start()],
    none: [() => {}, () => {}],
    // what the HTTP probe's ingredients cost alone, next to the running agent (diagnostics): subscribers that do
    // nothing, that add a start-time property to each request (a hidden-class transition per request), or that
    // keep it on the connection's socket instead (one transition per connection)
    'channel-noop': channelPiece(() => {}, () => {}),
    'channel-request-property': channelPiece((m) => { m.request[kProbe] = performance.now(); }, (m) => { sink += performance.now() - m.request[kProbe]; }),
    'channel-socket-property': channelPiece((m) => { m.socket[kProbe] = performance.now(); }, (m) => { sink += performance.now() - m.socket[kProbe]; }),
  };
  const [off, on] = pieces[process.env.PIECE];
  for (const [name, [offOther]] of Object.entries(pieces)) if (name.startsWith('channel-') && name !== process.env.PIECE) offOther();
  let served = 0;
  const hello = Buffer.from('hello world');
  const server = http.createServer((req, res) => {
    served++;
    res.end(hello);
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
  process.once('message', () => {
    let isOn = true;
    let last = process.cpuUsage();
    let lastServed = 0;
    const phases = [];
    const timer = setInterval(() => {
      const u = process.cpuUsage(last);
      last = process.cpuUsage();
      phases.push({ on: isOn, us: (u.user + u.system) / (served - lastServed) });
      lastServed = served;
      if (isOn) off();
      else on();
      isOn = !isOn;
    }, Number(process.env.TOGGLE_PHASE ?? 200));
    process.once('message', () => {
      clearInterval(timer);
      void sink; // the probes' reads must not be dead code
      process.send(phases.slice(2)); // the first phases include the load's ramp-up
    });
  });
} else {
  const SECONDS = Number(process.env.TOGGLE_SECONDS ?? 50);
  const hasTaskset = (() => {
    try {
      execFileSync('taskset', ['-c', '0', 'true']);
      return true;
    } catch {
      return false;
    }
  })();
  const sink = http.createServer((req, res) => req.resume().on('end', () => res.end()));
  await new Promise((r) => sink.listen(0, '127.0.0.1', r));
  const pct = (r) => `${r >= 1 ? '+' : ''}${((r - 1) * 100).toFixed(1)}%`;
  console.log(`# One piece of the agent off/on inside one server, ${SECONDS} s per piece, phases of ${process.env.TOGGLE_PHASE ?? 200} ms`);
  console.log('| piece | CPU per request, on ÷ off (median of pairs) | quartiles | pairs | µs/request (off) |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const piece of process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['none', 'http', 'gc', 'heartbeat']) {
    const env = { ...process.env, TOGGLE_SERVER: '1', PIECE: piece, OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${sink.address().port}` };
    const server = hasTaskset
      ? fork(fileURLToPath(import.meta.url), [], { execPath: 'taskset', execArgv: ['-c', '1', process.execPath], env })
      : fork(fileURLToPath(import.meta.url), [], { env });
    const { port } = await new Promise((r) => server.once('message', r));
    const load = (seconds) =>
      new Promise((resolve) => {
        const args = [join(here, 'load.mjs'), `http://127.0.0.1:${port}/`, String(seconds), '32', '1', process.env.TOGGLE_RATE ?? '0'];
        const child = hasTaskset ? spawn('taskset', ['-c', '0', process.execPath, ...args], { cwd: here, stdio: 'ignore' }) : spawn(process.execPath, args, { cwd: here, stdio: 'ignore' });
        child.on('close', resolve);
      });
    await load(10); // warm-up: the JIT, the agent's first exports
    const loaded = load(SECONDS + 2);
    server.send('go');
    await new Promise((r) => setTimeout(r, SECONDS * 1000));
    server.send('stop');
    const phases = await new Promise((r) => server.once('message', r));
    await loaded;
    server.kill();
    const ratios = [];
    const off = [];
    for (let i = 0; i + 1 < phases.length; i += 2) {
      const [a, b] = phases[i].on ? [phases[i], phases[i + 1]] : [phases[i + 1], phases[i]];
      ratios.push(a.us / b.us);
      off.push(b.us);
    }
    ratios.sort((x, y) => x - y);
    off.sort((x, y) => x - y);
    const q = (f) => ratios[Math.floor(f * (ratios.length - 1))];
    console.log(`| ${piece} | ${pct(q(0.5))} | ${pct(q(0.25))} … ${pct(q(0.75))} | ${ratios.length} | ${off[off.length >> 1].toFixed(2)} |`);
  }
  sink.close();
}
