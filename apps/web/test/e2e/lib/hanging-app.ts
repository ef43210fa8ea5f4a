// A node:http app whose /hang route never answers (only its client ends such a request) and whose other paths answer
// at once, to run under the real agent (startAgentApp); and a client that gives up on a request.
import { request, type ClientRequest } from 'node:http';

export const HANGING_APP = `
import http from 'node:http';
const server = http.createServer((req, res) => {
  if (req.url === '/hang') return;
  res.end('ok');
});
server.listen(0, '127.0.0.1', () => console.log('PORT ' + server.address().port));
`;

/** A GET the client abandons after `ms` (its own connection, destroyed before any response). */
export function abandon(port: number, path: string, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false });
    req.on('error', () => resolve());
    req.on('response', () => resolve());
    req.end();
    setTimeout(() => {
      req.destroy();
      resolve();
    }, ms);
  });
}

/** A GET held open: its client waits for an answer until the request is destroyed. */
export function hold(port: number, path: string): ClientRequest {
  const req = request({ host: '127.0.0.1', port, path, agent: false });
  req.on('error', () => {});
  req.end();
  return req;
}

/** A GET read to its end. */
export function getPath(port: number, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, agent: false }, (res) => res.resume().on('end', resolve)).on('error', reject).end();
  });
}
