import type { Metadata, Viewport } from 'next';
import type { ReactNode } from 'react';
import { Suspense } from 'react';
import { Shell } from '../components/shell.js';
import { THEME_SCRIPT } from '../lib/theme.js';
import './globals.css';

export const metadata: Metadata = {
  title: 'perf — Node.js fleet performance',
  description: 'Live performance of a Node.js fleet: throughput, latency, event loop, and where the bottleneck is.',
};

export const viewport: Viewport = {
  colorScheme: 'light dark',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en" suppressHydrationWarning>
      <head>
        {/* Applies a stored theme choice before first paint (no flash of the wrong theme). */}
        <script dangerouslySetInnerHTML={{ __html: THEME_SCRIPT }} />
      </head>
      <body>
        <Suspense fallback={null}>
          <Shell>{children}</Shell>
        </Suspense>
      </body>
    </html>
  );
}
