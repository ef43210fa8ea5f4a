'use client';
// A service named in the URL that no agent has reported (a typo, a stale link, one forgotten after the retention):
// the API answers empty for it, which a page would draw as a healthy, idle fleet ("No bottleneck found"). Say so
// instead, with the services that have reported. The stream's `services` lists every service whatever its filter.
import type { StreamSnapshot } from '../server/api/types.js';
import { Link } from '../lib/link.js';
import { hrefFor, type ViewState } from '../lib/url-state.js';

/** The known services' names when the view's service is not one of them; null when it is (or nothing is known yet). */
export function unknownService(snap: StreamSnapshot | null, service: string | null): string[] | null {
  if (snap === null || service === null) return null;
  const names = snap.services.map((s) => s.name);
  return names.includes(service) ? null : names.sort();
}

export function UnknownService({ service, known, view, path }: { service: string; known: string[]; view: ViewState; path: string }) {
  return (
    <section className="panel connect" data-testid="service-unknown" data-service={service} aria-labelledby="service-unknown-title">
      <h1 id="service-unknown-title">Unknown service</h1>
      <p>
        No service named <span className="mono">{service}</span> has reported to this dashboard
        {known.length > 0 ? (
          <>
            {' '}
            (known:{' '}
            {known.map((n, i) => (
              <span key={n}>
                {i > 0 ? ', ' : null}
                <Link href={hrefFor(path, { ...view, service: n })}>{n}</Link>
              </span>
            ))}
            )
          </>
        ) : null}
        .
      </p>
      <p>
        <Link href={hrefFor(path, { ...view, service: null })}>← All services</Link>
      </p>
    </section>
  );
}
