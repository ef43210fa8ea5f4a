// Rules kept in git: PERF_ALERT_RULES_FILE names a YAML or JSON file holding either a list of rules or
// `{ rules: [...] }`, each in the API's rule shape. File rules get ids derived from their names (stable across
// restarts, so their alerts keep their identity) and are read-only through the API.
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { AlertError } from '../errors.js';
import { validateRule } from './validate.js';
import type { RuleSpec } from '../types.js';

export interface FileRule {
  id: string;
  spec: RuleSpec;
}

/** Stable id of a file rule: its name hashed, so renaming a rule makes it a new rule. */
export function fileRuleId(name: string): string {
  return `file-${createHash('sha256').update(name).digest('hex').slice(0, 16)}`;
}

const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** Replaces `${NAME}` in string values with environment variables, so secrets stay out of git. */
function expandEnv(v: unknown, field: string, path: string, env: Record<string, string | undefined>): unknown {
  if (typeof v === 'string') {
    return v.replace(ENV_REF, (_m, name: string) => {
      const value = env[name];
      if (value === undefined) throw new AlertError('RULES_FILE_INVALID', `${path}: ${field} uses \${${name}}, which is not set in the environment`, field);
      return value;
    });
  }
  if (Array.isArray(v)) return v.map((x, i) => expandEnv(x, `${field}[${i}]`, path, env));
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, expandEnv(x, field ? `${field}.${k}` : k, path, env)]));
  return v;
}

/** Parses and validates a rules file's text. Throws AlertError('RULES_FILE_INVALID') naming the file, the entry and the field. */
export function parseRulesFile(text: string, path: string, options: { blockPrivate?: boolean; env?: Record<string, string | undefined> } = {}): FileRule[] {
  let doc: unknown;
  try {
    doc = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    // one line (the log's and /status's): the YAML library's message ends in a multi-line excerpt with a caret
    const reason = (e as Error).message.split('\n')[0].replace(/:\s*$/, '');
    throw new AlertError('RULES_FILE_INVALID', `${path}: cannot be parsed as ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${reason}`);
  }
  if (doc === null || doc === undefined) return [];
  const list = Array.isArray(doc) ? doc : typeof doc === 'object' && Array.isArray((doc as { rules?: unknown }).rules) ? (doc as { rules: unknown[] }).rules : undefined;
  if (!list) throw new AlertError('RULES_FILE_INVALID', `${path}: must hold a list of rules or { rules: [...] }`);
  const seen = new Set<string>();
  return list.map((raw, i) => {
    const entry = expandEnv(raw, `rules[${i}]`, path, options.env ?? process.env);
    let spec: RuleSpec;
    try {
      spec = validateRule(entry, { fieldPrefix: `rules[${i}].`, blockPrivate: options.blockPrivate ?? false });
    } catch (e) {
      if (e instanceof AlertError) throw new AlertError('RULES_FILE_INVALID', `${path}: ${e.message}`, e.field);
      throw e;
    }
    if (seen.has(spec.name)) throw new AlertError('RULES_FILE_INVALID', `${path}: rules[${i}].name "${spec.name}" is used by another rule in the file`, `rules[${i}].name`);
    seen.add(spec.name);
    return { id: fileRuleId(spec.name), spec };
  });
}

export function loadRulesFile(path: string, options: { blockPrivate?: boolean } = {}): FileRule[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new AlertError('RULES_FILE_INVALID', `${path}: cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); check PERF_ALERT_RULES_FILE`);
  }
  return parseRulesFile(text, path, options);
}
