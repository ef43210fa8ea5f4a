'use client';
import { useState, type FormEvent } from 'react';
import { apiUrl } from '../../lib/api.js';

export function LoginClient({ next }: { next: string }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const res = await fetch(apiUrl('login'), {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token }),
      });
      if (res.ok) {
        // A full navigation: the new cookie applies to the page and to the stream from the start.
        window.location.assign(next);
        return;
      }
      let message = res.status === 401 || res.status === 403 ? 'That token is not valid for this dashboard.' : `Sign-in failed (HTTP ${res.status}).`;
      try {
        const body = (await res.json()) as { error?: { message?: string } };
        if (res.status !== 401 && body.error?.message) message = body.error.message;
      } catch {
        // keep the generic message
      }
      setError(message);
    } catch {
      setError('The dashboard server cannot be reached.');
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="panel login" aria-labelledby="login-title" data-testid="login-page">
      <h1 id="login-title">Sign in to perf</h1>
      <p className="muted">This dashboard requires its API token (PERF_API_TOKEN). It is kept in an http-only cookie.</p>
      <form onSubmit={submit}>
        <label htmlFor="token">Token</label>
        <input id="token" name="token" type="password" autoComplete="current-password" required value={token} onChange={(e) => setToken(e.target.value)} data-testid="login-token" />
        <button type="submit" className="primary" disabled={busy || token === ''} data-testid="login-submit">
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        {error ? (
          <p className="error-text" role="alert" data-testid="login-error">
            {error}
          </p>
        ) : null}
      </form>
    </section>
  );
}
