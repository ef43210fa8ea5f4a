// perf's processes start one another: scripts/bootstrap.mjs → scripts/start.ts (or demo/run.ts) → server/main.ts.
// Each launcher passes the signals that stop it on to its child, and each process stops when the one that
// launched it is gone: a package manager may exit on SIGTERM without passing it on (pnpm prints "[ELIFECYCLE]
// Command failed." and leaves its script re-parented to init, the dashboard still holding its ports, unflushed).
// scripts/bootstrap.mjs does the same inline: it runs before the workspace's packages (tsx) are installed.

/** In a child's environment: the pid of the perf process that launched it. */
export const LAUNCHER_PID = 'PERF_LAUNCHER_PID';

/** The signals that stop perf's processes; a launcher passes each on to its child. */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** How often the parent is checked (ms): one getppid() a second, and a stop within a second of the launcher's exit. */
const POLL_MS = 1000;

/** The environment for a child that is to stop when this process is gone: `env` plus our pid. */
export function childEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, [LAUNCHER_PID]: String(process.pid) };
}

/**
 * Calls `onGone` once when the launcher named by PERF_LAUNCHER_PID is no longer this process's parent (it exited
 * and this process was re-parented), from a check every second on an unref'd timer. Does nothing in a process no
 * perf launcher started (e.g. `node server/main.ts` from a shell), nor where the variable names a process that is
 * not this one's parent at start: it was inherited through processes that do not watch (`npm test` runs the test
 * runner through scripts/bootstrap.mjs, and a test's dashboard must not take the bootstrap for its launcher).
 * The variable is removed from `env`, so this process's own children are not taken for the launcher's.
 * Returns a function that stops watching.
 */
export function onLauncherGone(onGone: () => void, env: NodeJS.ProcessEnv = process.env): () => void {
  const launcher = Number(env[LAUNCHER_PID]);
  delete env[LAUNCHER_PID];
  if (!Number.isInteger(launcher) || launcher <= 0 || process.ppid !== launcher) return () => {};
  const timer = setInterval(() => {
    if (process.ppid === launcher) return;
    clearInterval(timer);
    onGone();
  }, POLL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
