// Writes to the alerts API from the browser. Errors keep the server's `field` so the form can point at it.
import { apiUrl } from '../../lib/api.js';

export class RuleSaveError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly field: string | undefined,
    readonly status: number,
  ) {
    super(message);
    this.name = 'RuleSaveError';
  }
}

async function send(method: 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(apiUrl(path), {
      method,
      credentials: 'same-origin',
      headers: { accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch {
    throw new RuleSaveError('The dashboard server cannot be reached.', 'PERF_UI_NETWORK', undefined, 0);
  }
  if (res.status === 204) return undefined;
  let json: any = null;
  try {
    json = await res.json();
  } catch {
    // not JSON
  }
  if (!res.ok) throw new RuleSaveError(json?.error?.message ?? `HTTP ${res.status}`, json?.error?.code ?? `PERF_UI_HTTP_${res.status}`, json?.error?.field, res.status);
  return json;
}

export const saveRule = (id: string | null, body: unknown) => (id ? send('PUT', `alerts/rules/${encodeURIComponent(id)}`, body) : send('POST', 'alerts/rules', body));
export const deleteRule = (id: string) => send('DELETE', `alerts/rules/${encodeURIComponent(id)}`);
