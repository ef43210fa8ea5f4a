import type { SeriesLine } from '../api/types.js';

/** The `limit` lines with the largest sums of points, kept as they are built (never more than `limit` + 1 at once). */
export class TopLines {
  private readonly lines: { line: SeriesLine; sum: number }[] = [];
  private seen = 0;
  /** lines left out before being built (ranked on another measure first) */
  skipped = 0;
  constructor(readonly limit: number) {}

  add(line: SeriesLine): void {
    this.seen++;
    let sum = 0;
    for (const p of line.points) sum += p[1] ?? 0;
    if (this.lines.length < this.limit) {
      this.lines.push({ line, sum });
      return;
    }
    let min = 0;
    for (let i = 1; i < this.lines.length; i++) if (this.lines[i].sum < this.lines[min].sum) min = i;
    if (sum > this.lines[min].sum) this.lines[min] = { line, sum };
  }

  /** The lines kept (largest first when some were left out), and how many were left out. */
  result(): { series: SeriesLine[]; truncated: number } {
    const truncated = this.skipped + this.seen - this.lines.length;
    if (truncated > 0) this.lines.sort((x, y) => y.sum - x.sum);
    return { series: this.lines.map((l) => l.line), truncated };
  }
}
