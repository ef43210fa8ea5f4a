'use client';
// Cycles system → light → dark; the choice survives reloads (localStorage) and applies before paint.
import { useEffect, useState } from 'react';
import { applyTheme, readTheme, type ThemeChoice } from '../lib/theme.js';

const NEXT: Record<ThemeChoice, ThemeChoice> = { system: 'light', light: 'dark', dark: 'system' };
const LABEL: Record<ThemeChoice, string> = { system: 'Theme: system', light: 'Theme: light', dark: 'Theme: dark' };

export function ThemeToggle() {
  const [choice, setChoice] = useState<ThemeChoice>('system');
  useEffect(() => setChoice(readTheme()), []);
  return (
    <button
      type="button"
      data-testid="theme-toggle"
      aria-label={`${LABEL[choice]} (click for ${NEXT[choice]})`}
      title={`${LABEL[choice]} (click for ${NEXT[choice]})`}
      onClick={() => {
        const next = NEXT[choice];
        applyTheme(next);
        setChoice(next);
        window.dispatchEvent(new Event('perf-theme'));
      }}
    >
      {choice === 'dark' ? '☾' : choice === 'light' ? '☀' : '◐'}
    </button>
  );
}
