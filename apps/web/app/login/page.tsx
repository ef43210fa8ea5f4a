import { LoginClient } from './client.js';

// Shown when the dashboard runs with PERF_API_TOKEN: the token is exchanged for an http-only cookie.
export default async function LoginPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const sp = await searchParams;
  const next = Array.isArray(sp.next) ? sp.next[0] : sp.next;
  return <LoginClient next={safeNext(next)} />;
}

/** Only same-origin paths: `?next=https://evil.example` must not turn the login page into an open redirect. */
function safeNext(next: string | undefined): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  return next;
}
