// @perf/agent: starts on import. (Being built: see issue 4.)
export {};
