import { LoginClient } from './client.js';
import { safeNext } from './safe-next.js';

// Shown when the dashboard runs with PERF_API_TOKEN: the token is exchanged for an http-only cookie.
export default async function LoginPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const sp = await searchParams;
  const next = Array.isArray(sp.next) ? sp.next[0] : sp.next;
  return <LoginClient next={safeNext(next)} />;
}
