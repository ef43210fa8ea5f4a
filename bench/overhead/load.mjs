// One load round with autocannon, run in its own process (pinned by run.ts to the core the server is not on).
//   node load.mjs <url> <seconds> <connections> [pipelining] [rate]  → prints autocannon's result summary as JSON
//   rate: requests per second in all (autocannon's overallRate); 0 or absent = as fast as the server answers
import autocannon from 'autocannon';

const [url, seconds, connections, pipelining = '1', rate = '0'] = process.argv.slice(2);
const options = { url, duration: Number(seconds), connections: Number(connections), pipelining: Number(pipelining) };
if (Number(rate) > 0) options.overallRate = Number(rate);
const result = await autocannon(options);
process.stdout.write(`${JSON.stringify({ requests: result.requests.total, rps: result.requests.average, errors: result.errors, non2xx: result.non2xx })}\n`);
