// Runs one scenario against a dashboard: its fleet under load, the cause switched on (now, after a delay,
// or never until asked), and a small control server to switch it at runtime:
//   GET  /            the scenario, whether its cause is on, the nodes and load counters
//   POST /cause/on    switch the cause on      POST /cause/off   switch it off
// The control server is plain node:http without the agent, so it is not part of the observed fleet.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startZoo, type ZooFleet, type ZooOptions } from './fleet.js';
import type { Scenario } from './scenario.js';

export interface RunningScenario {
  scenario: Scenario;
  fleet: ZooFleet;
  /** whether the cause is on */
  readonly on: boolean;
  set(on: boolean): void;
  /** the control server's URL (when `controlPort` was given) */
  controlUrl: string | undefined;
  stop(): Promise<void>;
}

export interface StartScenarioOptions extends Omit<ZooOptions, 'otlpEndpoint'> {
  otlpEndpoint: string;
  /**
   * switch the cause on this many ms after the fleet started (default 30 000: the rules compare with the
   * fleet's own recent past, so a healthy half minute comes first; 0 = at once; -1 = leave it off)
   */
  causeAfterMs?: number;
  /** serve the control endpoints on this port (0 = ephemeral) */
  controlPort?: number;
}

export async function startScenario(scenario: Scenario, options: StartScenarioOptions): Promise<RunningScenario> {
  const { causeAfterMs = 30_000, controlPort, ...zoo } = options;
  const fleet = await startZoo({ ...scenario.fleet, ...zoo });
  let on = false;
  const set = (v: boolean) => {
    on = v;
    scenario.apply(fleet, v);
  };
  const timer = causeAfterMs >= 0 ? setTimeout(() => set(true), causeAfterMs) : undefined;
  let control: http.Server | undefined;
  if (controlPort !== undefined) {
    control = http.createServer((req, res) => {
      if (req.method === 'POST' && (req.url === '/cause/on' || req.url === '/cause/off')) set(req.url === '/cause/on');
      else if (req.method !== 'GET' || req.url !== '/') {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ scenario: scenario.name, description: scenario.description, on, nodes: fleet.instances, load: fleet.load.stats }));
    });
    await new Promise<void>((resolve) => control!.listen(controlPort, '127.0.0.1', resolve));
  }
  return {
    scenario,
    fleet,
    get on() {
      return on;
    },
    set,
    controlUrl: control ? `http://127.0.0.1:${(control.address() as AddressInfo).port}` : undefined,
    async stop() {
      if (timer) clearTimeout(timer);
      control?.close();
      await fleet.stop();
    },
  };
}

// node --import tsx demo/scenarios/zoo/run.ts NAME [--otlp URL] [--control-port N] [--cause-after-ms N]
if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const flag = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const name = args.find((a) => !a.startsWith('--') && args[args.indexOf(a) - 1]?.startsWith('--') !== true) ?? 'healthy';
  const { SCENARIOS } = await import('../all.js');
  const scenario = SCENARIOS[name];
  if (!scenario) {
    console.error(`unknown scenario "${name}"; one of: ${Object.keys(SCENARIOS).join(', ')}`);
    process.exit(2);
  }
  const running = await startScenario(scenario, {
    otlpEndpoint: flag('--otlp') ?? process.env.OTEL_EXPORTER_OTLP_ENDPOINT ?? 'http://127.0.0.1:4318',
    controlPort: Number(flag('--control-port') ?? 0),
    causeAfterMs: Number(flag('--cause-after-ms') ?? 30_000),
  });
  console.log(`zoo "${scenario.name}": ${scenario.description}\n  nodes: ${running.fleet.instances.join(', ')}\n  control: ${running.controlUrl} (POST /cause/on, /cause/off)`);
  const stop = () => void running.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
