// A tiny inline SVG line (one path element): cheap enough for 50 table rows updating every second.
import { memo } from 'react';

export function sparkPath(values: readonly (number | null)[], width: number, height: number): string {
  let max = -Infinity;
  let min = Infinity;
  for (const v of values) {
    if (v === null) continue;
    if (v > max) max = v;
    if (v < min) min = v;
  }
  if (max === -Infinity) return '';
  if (max === min) {
    max += 1e-12;
    min -= 1e-12;
  }
  const span = max - min;
  const dx = values.length > 1 ? width / (values.length - 1) : 0;
  let d = '';
  let pen = false;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null) {
      pen = false;
      continue;
    }
    const x = (i * dx).toFixed(1);
    const y = (height - 1 - ((v - min) / span) * (height - 2)).toFixed(1);
    d += `${pen ? 'L' : 'M'}${x} ${y}`;
    pen = true;
  }
  return d;
}

function SparklineImpl({ values, label, width = 80, height = 20 }: { values: readonly (number | null)[]; label: string; width?: number; height?: number }) {
  return (
    <svg className="spark" width={width} height={height} role="img" aria-label={label}>
      <path d={sparkPath(values, width, height)} fill="none" stroke="var(--c1)" strokeWidth={1.2} />
    </svg>
  );
}

export const Sparkline = memo(SparklineImpl);
