// One load round with autocannon, run in its own process (pinned by run.ts to the core the server is not on).
//   node load.mjs <url> <seconds> <connections> [pipelining]  → prints autocannon's result summary as JSON
import autocannon from 'autocannon';

const [url, seconds, connections, pipelining = '1'] = process.argv.slice(2);
const result = await autocannon({ url, duration: Number(seconds), connections: Number(connections), pipelining: Number(pipelining) });
process.stdout.write(`${JSON.stringify({ requests: result.requests.total, rps: result.requests.average, errors: result.errors, non2xx: result.non2xx })}\n`);
