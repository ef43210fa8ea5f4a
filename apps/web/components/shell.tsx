'use client';
// The frame around every page: navigation that keeps the selection, the service selector, the time range
// with pause/resume, the connection state and the banners users need to notice (connection lost, a store that
// cannot be read, cardinality folding).
import { Link } from '../lib/link.js';
import { usePathname } from 'next/navigation.js';
import type { ReactNode } from 'react';
import { useStream, useView } from '../lib/hooks.js';
import { hrefFor, RANGE_SPECS } from '../lib/url-state.js';
import { ConnectionBanner, ConnectionIndicator } from './connection.js';
import { FoldingBanner } from './folding-banner.js';
import { SourceBanner } from './source-banner.js';
import { RangePicker } from './range-picker.js';
import { ServiceSelector } from './service-selector.js';
import { SignOut } from './sign-out.js';
import { ThemeToggle } from './theme-toggle.js';

const NAV = [
  { path: '/', label: 'Overview' },
  { path: '/nodes', label: 'Nodes' },
  { path: '/routes', label: 'Routes' },
  { path: '/alerts', label: 'Alerts' },
];

export function Shell({ children }: { children: ReactNode }) {
  const pathname = usePathname() ?? '/';
  if (pathname === '/login') return <main>{children}</main>;
  return <Dashboard pathname={pathname}>{children}</Dashboard>;
}

function Dashboard({ pathname, children }: { pathname: string; children: ReactNode }) {
  const [view, setView] = useView();
  const state = useStream(view.service);
  const firing = state.snapshot?.alertsFiring ?? 0;
  return (
    <>
      <header className="topbar">
        <Link href={hrefFor('/', view)} className="brand">
          perf
        </Link>
        <nav className="nav" aria-label="Main">
          {NAV.map((n) => {
            const current = n.path === '/' ? pathname === '/' : pathname === n.path || pathname.startsWith(`${n.path}/`);
            return (
              <Link key={n.path} href={hrefFor(n.path, view)} aria-current={current ? 'page' : undefined}>
                {n.label}
                {n.path === '/alerts' && firing > 0 ? (
                  <span className="badge critical" aria-label={`${firing} alerts firing`} style={{ marginLeft: 6 }}>
                    {firing}
                  </span>
                ) : null}
              </Link>
            );
          })}
        </nav>
        <div className="controls">
          <ServiceSelector view={view} setView={setView} services={state.snapshot?.services ?? null} />
          <RangePicker view={view} setView={setView} />
          <ConnectionIndicator state={state} paused={view.paused && RANGE_SPECS[view.range].live} />
          <ThemeToggle />
          <SignOut />
        </div>
      </header>
      <ConnectionBanner state={state} />
      <SourceBanner source={state.snapshot?.source} now={state.snapshot?.at ?? Date.now()} />
      <FoldingBanner services={state.snapshot?.services ?? null} service={view.service} />
      <main>{children}</main>
    </>
  );
}
