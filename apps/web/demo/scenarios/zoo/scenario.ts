// A zoo scenario: a named bottleneck with a real cause the fleet can switch on and off, and the finding
// the diagnosis must produce for it (used by the end-to-end tests and shown in the demo).

import type { FindingKind } from '../../../server/diagnose/types.js';
import type { ZooFleet, ZooOptions } from './fleet.js';

export interface Scenario {
  name: string;
  /** one line for the demo's scenario list */
  description: string;
  /** fleet settings the cause needs (node flags, fd limit, node count) */
  fleet?: Partial<Omit<ZooOptions, 'otlpEndpoint'>>;
  /** the finding expected while the cause is on: its kind, the node index at fault and the route, when one is */
  expect: { kind: FindingKind; node?: number; route?: string } | null;
  /** switches the cause on or off in a running fleet */
  apply(fleet: ZooFleet, on: boolean): void;
}

export function defineScenario(s: Scenario): Scenario {
  return s;
}
