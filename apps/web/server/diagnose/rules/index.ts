// Every diagnosis rule, in the order their findings are listed (causes before symptoms).

import type { Rule } from '../types.js';
import { cpuSaturated } from './cpu-saturated.js';
import { offCpu } from './off-cpu.js';
import { errorBurst } from './error-burst.js';
import { eventLoopBlocked } from './event-loop-blocked.js';
import { gcPressure } from './gc-pressure.js';
import { hotRoute } from './hot-route.js';
import { ioWait } from './io-wait.js';
import { loadImbalance } from './load-imbalance.js';
import { memoryLeak } from './memory-leak.js';
import { osLimits } from './os-limits.js';
import { requestsAbandoned } from './requests-abandoned.js';
import { requestsStuck } from './requests-stuck.js';

export const RULES: readonly { name: string; rule: Rule }[] = [
  { name: 'os-limits', rule: osLimits },
  { name: 'error-burst', rule: errorBurst },
  { name: 'requests-abandoned', rule: requestsAbandoned },
  { name: 'requests-stuck', rule: requestsStuck },
  { name: 'off-cpu', rule: offCpu },
  { name: 'event-loop-blocked', rule: eventLoopBlocked },
  { name: 'cpu-saturated', rule: cpuSaturated },
  { name: 'gc-pressure', rule: gcPressure },
  { name: 'memory-leak', rule: memoryLeak },
  { name: 'io-wait', rule: ioWait },
  { name: 'load-imbalance', rule: loadImbalance },
  { name: 'hot-route', rule: hotRoute },
];

export { cpuSaturated, offCpu, errorBurst, eventLoopBlocked, gcPressure, hotRoute, ioWait, loadImbalance, memoryLeak, osLimits, requestsAbandoned, requestsStuck };
