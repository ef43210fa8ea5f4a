// Diagnostic variant: the agent with its HTTP probe switched off (runtime probes and export only), to
// tell per-request cost from per-second cost.
import { getAgent } from '../../apps/agent/dist/index.js';

getAgent()?.http.stop();
