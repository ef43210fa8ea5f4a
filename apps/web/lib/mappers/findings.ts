// Findings as the panel shows them: most severe and oldest first, evidence flattened to label/value lines.
import type { Finding } from '../../server/api/types.js';

const RANK: Record<string, number> = { critical: 0, warning: 1, info: 2 };

export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort((a, b) => (RANK[a.severity] ?? 3) - (RANK[b.severity] ?? 3) || a.since - b.since);
}

function show(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)));
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map(show).join(', ');
  return JSON.stringify(v);
}

/** Evidence in any of its shapes (object, list of sentences, one sentence) as [label, text] pairs. */
export function evidenceEntries(evidence: Finding['evidence']): [string, string][] {
  if (typeof evidence === 'string') return [['evidence', evidence]];
  if (Array.isArray(evidence)) return evidence.map((e) => ['evidence', show(e)]);
  if (evidence && typeof evidence === 'object') return Object.entries(evidence).map(([k, v]) => [k, show(v)]);
  return [];
}
