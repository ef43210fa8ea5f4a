// No-op subscribers on node:http's two request channels: what node's publishing costs once anyone listens
// (the message objects, the publish loop), without any subscriber work. A baseline for instructions.mjs and run.ts.
import dc from 'node:diagnostics_channel';

const noop = () => {};
dc.subscribe('http.server.request.start', noop);
dc.subscribe('http.server.response.finish', noop);
