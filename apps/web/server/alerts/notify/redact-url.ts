// Target URLs often carry credentials: a password in the userinfo (https://user:pw@host), a token in the query
// (?token=…, ?api_key=…), or, for Slack's incoming webhooks, the path itself (hooks.slack.com/services/T…/B…/<secret>).
// The API and the logs show them with those parts replaced; a rule sent back with such a URL keeps the stored one.

/** The placeholder of a hidden credential: a webhook secret (engine.ts REDACTED) or a part of a target URL. */
export const HIDDEN = '********';

/** Query parameters whose values are credentials by their name. */
const SECRET_PARAM = /(^|[_-])(token|key|apikey|secret|sig|signature|password|passwd|pass|auth|code|access[_-]?token)$/i;

/** `url` with its credentials replaced by HIDDEN; a URL that does not parse is returned as it is. */
export function redactUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return url;
  }
  let changed = false;
  if (u.password !== '') {
    u.password = HIDDEN;
    changed = true;
  } else if (u.username !== '') {
    // a lone user name is a token as often as not (https://TOKEN@host)
    u.username = HIDDEN;
    changed = true;
  }
  for (const [k] of u.searchParams) {
    if (SECRET_PARAM.test(k)) {
      u.searchParams.set(k, HIDDEN);
      changed = true;
    }
  }
  if (/(^|\.)hooks\.slack\.com$/i.test(u.hostname)) {
    const parts = u.pathname.split('/');
    if (parts.length > 3) {
      // /services/T…/B…/secret: the last part is the secret
      parts[parts.length - 1] = HIDDEN;
      u.pathname = parts.join('/');
      changed = true;
    }
  }
  // URL encodes '*' nowhere, so the placeholder reads as it is
  return changed ? u.toString() : url;
}

/** Whether a URL sent to the API carries the placeholder in place of a credential. */
export function hasHidden(url: unknown): boolean {
  return typeof url === 'string' && url.includes(HIDDEN);
}
