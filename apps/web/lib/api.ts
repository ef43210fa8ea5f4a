// The browser's client for `/api/v1` on its own origin (the custom server serves the UI and the API from one
// process). Credentials travel as the http-only cookie set by `POST /api/v1/login`; a 401 sends the user to
// the login page and keeps where they were, so they land back on the same view.
import type { ApiError as ApiErrorBody } from '../server/api/types.js';

export const API_BASE = '/api/v1';

/** A failed API call; `code` is the server's stable code, or PERF_UI_NETWORK / PERF_UI_HTTP_<status>. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export type Params = Record<string, string | number | null | undefined>;

/** `/api/v1/<path>?<params>` with null/undefined/'' params left out. */
export function apiUrl(path: string, params?: Params): string {
  const q = new URLSearchParams();
  if (params) {
    for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return `${API_BASE}/${path.replace(/^\//, '')}${s ? `?${s}` : ''}`;
}

/** Login page URL that returns to `here` after signing in. */
export function loginHref(here: string): string {
  return `/login?next=${encodeURIComponent(here)}`;
}

let redirecting = false;

function toLogin(): void {
  if (redirecting || typeof window === 'undefined' || window.location.pathname === '/login') return;
  redirecting = true;
  window.location.assign(loginHref(window.location.pathname + window.location.search));
}

/** GET JSON from the API. Throws ApiError; on 401 also navigates to /login. */
export async function apiGet<T>(path: string, params?: Params, signal?: AbortSignal): Promise<T> {
  let res: Response;
  try {
    res = await fetch(apiUrl(path, params), { credentials: 'same-origin', signal, headers: { accept: 'application/json' } });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError('PERF_UI_NETWORK', 'The dashboard server cannot be reached.', 0);
  }
  if (res.status === 401) {
    toLogin();
    throw new ApiError('PERF_API_UNAUTHORIZED', 'Sign in with the dashboard token to see this page.', 401);
  }
  if (!res.ok) {
    let body: ApiErrorBody | null = null;
    try {
      body = (await res.json()) as ApiErrorBody;
    } catch {
      // not JSON (a proxy error page): fall through to the generic message
    }
    throw new ApiError(body?.error?.code ?? `PERF_UI_HTTP_${res.status}`, body?.error?.message ?? `HTTP ${res.status}`, res.status);
  }
  return (await res.json()) as T;
}
