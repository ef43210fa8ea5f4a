'use client';
// "Sign out" when the dashboard requires its token (PERF_API_TOKEN): the session cookie is http-only, so
// the page asks `/api/v1/status` once whether a token is required (and, since the page rendered, held).
import { useEffect, useState } from 'react';
import type { Status } from '../server/api/types.js';
import { apiGet, apiUrl } from '../lib/api.js';

export function SignOut() {
  const [required, setRequired] = useState(false);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    const ac = new AbortController();
    apiGet<Status>('status', undefined, ac.signal).then(
      (s) => setRequired(s.auth?.apiToken === true),
      () => undefined,
    );
    return () => ac.abort();
  }, []);
  if (!required) return null;
  const signOut = async () => {
    setBusy(true);
    try {
      await fetch(apiUrl('logout'), { method: 'POST', credentials: 'same-origin' });
    } catch {
      // the server may be unreachable: the login page says so when it is tried
    }
    // a full navigation: nothing of the signed-in page (stream, cached answers) survives
    window.location.assign('/login');
  };
  return (
    <button type="button" onClick={signOut} disabled={busy} data-testid="sign-out">
      {busy ? 'Signing out…' : 'Sign out'}
    </button>
  );
}
