'use client';
// What the node page's profile panels (hot code, heap growth, allocations) share: the panel with its loading, error and
// empty states, and the table cells of a function's share, place and caller.
import type { ReactNode } from 'react';
import type { ProfileFunction } from '../server/api/types.js';
import { formatExact, formatPercent } from '../lib/format.js';
import { codeLocation, fullLocation } from '../lib/mappers/profile.js';
import type { ProfileQuery } from '../lib/use-profile.js';

export interface ProfilePanelProps<P> {
  /** the section's element id (a finding's profile links to `#id`) and its `data-testid` prefix */
  id: string;
  title: string;
  query: ProfileQuery<P>;
  /** "CPU profiles", for "… cannot be read" */
  what: string;
  /** why there is none yet */
  empty: string;
  children: (profile: P) => ReactNode;
}

export function ProfilePanel<P>({ id, title, query: q, what, empty, children }: ProfilePanelProps<P>) {
  return (
    // scroll-margin keeps the panel clear of the sticky top bar when a link scrolls to it
    <section id={id} className="panel" aria-labelledby={`${id}-title`} data-testid={id} style={{ margin: '12px 0', scrollMarginTop: 72 }}>
      <h2 id={`${id}-title`}>{title}</h2>
      {q.profile !== null ? (
        children(q.profile)
      ) : q.error !== null ? (
        <p className="muted" data-testid={`${id}-error`}>
          {what} cannot be read: {q.error.message}
        </p>
      ) : q.loading ? (
        <p className="muted">Loading…</p>
      ) : (
        <p className="muted" data-testid={`${id}-empty`}>
          {empty}
        </p>
      )}
    </section>
  );
}

/** A share 0..1 as a bar and a percentage; muted for what is not the app's code. */
export function ShareCell({ share, muted }: { share: number; muted?: boolean }) {
  return (
    <td className="num" title={formatExact('ratio', share)}>
      <span
        aria-hidden="true"
        style={{ display: 'inline-block', width: 80, height: 6, background: 'var(--panel-2)', marginRight: 6, verticalAlign: 'middle', borderRadius: 3 }}
      >
        <span style={{ display: 'block', width: `${Math.min(100, share * 100)}%`, height: 6, background: muted ? 'var(--muted)' : 'var(--c4)', borderRadius: 3 }} />
      </span>
      {formatPercent(share)}
    </td>
  );
}

/** `…/billing/invoice.js:88`, the full path in the title. */
export function WhereCell({ f }: { f: Pick<ProfileFunction, 'file' | 'line' | 'column'> }) {
  return (
    <td className="mono" title={fullLocation(f.file, f.line, f.column) || undefined}>
      {codeLocation(f.file, f.line)}
    </td>
  );
}

/** The nearest caller in the app's own code, when the function is not. */
export function CallerCell({ caller, testId }: { caller: ProfileFunction['caller']; testId: string }) {
  return (
    <td className="mono" data-testid={testId}>
      {caller ? (
        <>
          {caller.name}{' '}
          <span className="muted" title={fullLocation(caller.file, caller.line)}>
            {codeLocation(caller.file, caller.line)}
          </span>
        </>
      ) : null}
    </td>
  );
}
