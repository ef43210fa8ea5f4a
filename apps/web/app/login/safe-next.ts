/**
 * Only same-origin paths: `?next=https://evil.example` must not turn the login page into an open redirect. Browsers
 * drop tabs and line breaks from URLs, so `/\t/evil.example` became `//evil.example`: a path with any control
 * character, space or backslash is refused, as is one that does not stay on this origin once resolved.
 */
export function safeNext(next: string | undefined): string {
  if (!next || !next.startsWith('/') || /[\u0000-\u0020\u007f\\]/.test(next)) return '/';
  try {
    const url = new URL(next, 'http://dashboard.invalid');
    return url.origin === 'http://dashboard.invalid' ? url.pathname + url.search + url.hash : '/';
  } catch {
    return '/';
  }
}
