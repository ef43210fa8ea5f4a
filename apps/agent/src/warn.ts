/**
 * The agent's only way to talk to the user: one process warning per distinct problem, with a stable code
 * (`PERF_AGENT_*`) and a sentence saying what to do. Never throws, never repeats a code more than once
 * per process (a dashboard outage must not fill the app's logs).
 */
const seen = new Set<string>();

export function warnOnce(code: string, message: string): void {
  if (seen.has(code)) return;
  seen.add(code);
  try {
    process.emitWarning(message, { type: 'PerfAgentWarning', code });
  } catch {
    // emitWarning can throw only under --throw-deprecation-like flags for deprecations; never into the app
  }
}

/** Forgets a code so it may warn again (after a recovery, the next outage is news). */
export function rearm(code: string): void {
  seen.delete(code);
}
