/**
 * The 1-based rank of the q-quantile among `count` sorted values: the ⌈q·count⌉-th value (at least the
 * first). The tiny tolerance keeps float noise from bumping an exact product up a rank (0.07 · 100 is
 * 7.000000000000001 in binary floating point, and p7 of 100 values is the 7th, not the 8th).
 */
export function quantileRank(q: number, count: number): number {
  return Math.min(count, Math.max(1, Math.ceil(q * count - 1e-9)));
}
