// The bottleneck finder: rules over recent per-second windows, hysteresis, and the findings API.
export { Diagnoser, byService, type DiagnoserOptions, type ServiceFinding } from './diagnoser.js';
export { Hysteresis, type HysteresisOptions } from './hysteresis.js';
export { RULES } from './rules/index.js';
export { explain, evidenceLine } from './texts.js';
export { FINDING_KINDS } from './types.js';
export type { DiagnosisFinding, DiagnosisInput, EvidenceItem, FindingDraft, FindingKind, NodeWindow, RouteWindow, Rule, Series, Severity, Verdict } from './types.js';
