// The diagnosis engine: runs every rule on each service's recent windows, passes what they find through
// hysteresis, and renders the live findings (text from texts.ts). Pure apart from the time it is given.

import { causePhrase, joinPhrases, linkCauses, linkCrowdedHosts, refutedLinks, type CauseLink } from './causes.js';
import { allocationAdvice, allocationPhrase, allocationProfileFor, heapAdvice, heapPhrase, heapProfileFor, hotCodeAdvice, hotCodeFor, hotCodePhrase } from './hotcode.js';
import { Hysteresis, type HysteresisOptions } from './hysteresis.js';
import { RULES } from './rules/index.js';
import { evidenceLine, explain } from './texts.js';
import type { CpuProfile, HeapProfile } from '../api/types.js';
import type { ActiveFinding, DiagnosisFinding, DiagnosisInput, FindingDraft, NodeWindow, Rule, Severity, Verdict } from './types.js';

export interface DiagnoserOptions extends Partial<HysteresisOptions> {
  /** the rules to run (default: all of rules/index.ts) */
  rules?: readonly { name: string; rule: Rule }[];
}

/** A finding together with the service it was found in. */
export interface ServiceFinding extends DiagnosisFinding {
  service: string;
}

const SEVERITY_ORDER = { critical: 0, warning: 1, info: 2 } as const;

/** Splits the input by `service.name`: baselines and medians are only meaningful among peers. */
export function byService(input: DiagnosisInput): Map<string, DiagnosisInput> {
  const out = new Map<string, DiagnosisInput>();
  const get = (service: string): DiagnosisInput => {
    let v = out.get(service);
    if (!v) {
      v = { times: input.times, nodes: [], routes: [], allNodes: input.nodes, profiles: input.profiles, heapProfiles: input.heapProfiles, allocationProfiles: input.allocationProfiles };
      out.set(service, v);
    }
    return v;
  };
  for (const n of input.nodes) get(n.service).nodes.push(n);
  for (const r of input.routes) get(r.service).routes.push(r);
  return out;
}

/** how long a node's quiet time is remembered (profiles older than this are not fresh anyway) */
const QUIET_MEMORY_MS = 10 * 60_000;
/**
 * A finding about nodes that sent nothing in the window's last 2 seconds is held, neither seen nor missed, while they
 * sent something within this many seconds: a loop blocked or collecting for seconds at a time exports late (its
 * seconds stay empty), and the rules cannot see there what they saw; counted as misses, a node blocked throughout had
 * its finding cleared and raised again every few seconds, and a `finding` alert resolved and fired 5 times in 2 min
 * (outside soak audit). Past this, its silence is its own matter (nodeDown) and the finding clears as usual.
 */
const HOLD_SILENT_SECONDS = 10;

/** Whether a node sent nothing in the window's last 2 seconds but something within HOLD_SILENT_SECONDS. */
function silentJustNow(n: NodeWindow): boolean {
  const rps = n.rps;
  const last = rps.length - 1;
  if (last < 1 || !Number.isNaN(rps[last]) || !Number.isNaN(rps[last - 1])) return false;
  for (let i = last - 2; i >= Math.max(0, last - HOLD_SILENT_SECONDS); i--) if (!Number.isNaN(rps[i])) return true;
  return false;
}

export class Diagnoser {
  readonly #rules: readonly { name: string; rule: Rule }[];
  readonly #hysteresis: Hysteresis<{ draft: FindingDraft; service: string; order: number }>;
  #findings: ServiceFinding[] = [];
  #verdicts = new Map<string, Verdict['status']>();
  /** cause links of the last evaluation (`cause\0effect`): a link holds while both findings do */
  #links = new Set<string>();
  /** per crowded host, the finding that stands for it (see linkCrowdedHosts) */
  #hostRoots = new Map<string, string>();
  /** the nodes named by the live findings, and when each node last went quiet (hotCodeFor's `notBefore`) */
  #liveNodes = new Set<string>();
  #quietSince = new Map<string, number>();
  /** when each node named by a live finding became named (its episode: hotCodeFor's `episodeSince`) */
  #namedSince = new Map<string, number>();
  /** per service, the live findings by `kind|variant|subject` (DiagnosisInput.active of the next evaluation) */
  #active = new Map<string, Map<string, ActiveFinding>>();
  /** per live finding, the severity shown and how many evaluations in a row its rule said less (see #steady) */
  #severity = new Map<string, { shown: Severity; lower: number }>();
  readonly #clearAfter: number;

  constructor(options: DiagnoserOptions = {}) {
    this.#rules = options.rules ?? RULES;
    this.#hysteresis = new Hysteresis(options);
    this.#clearAfter = Math.max(1, options.clearAfter ?? 5);
  }

  /**
   * A finding's severity rises at once and falls only after as many evaluations in a row as clear a finding: a figure
   * hovering about a critical line flipped the badge between critical and warning nearly every second (outside UI audit).
   */
  #steady(live: readonly { key: string; value: { draft: FindingDraft } }[]): void {
    const next = new Map<string, { shown: Severity; lower: number }>();
    for (const { key, value } of live) {
      const said = value.draft.severity;
      const was = this.#severity.get(key);
      let state = { shown: said, lower: 0 };
      if (was !== undefined && SEVERITY_ORDER[said] > SEVERITY_ORDER[was.shown]) {
        state = was.lower + 1 >= this.#clearAfter ? state : { shown: was.shown, lower: was.lower + 1 };
      }
      next.set(key, state);
      value.draft = { ...value.draft, severity: state.shown };
    }
    this.#severity = next;
  }

  /** One evaluation (the server calls it once per second). Returns the live findings, worst first. */
  evaluate(input: DiagnosisInput, now = Date.now()): ServiceFinding[] {
    const seen = new Map<string, { draft: FindingDraft; service: string; order: number }>();
    this.#verdicts = new Map();
    const parts = byService(input);
    for (const [service, part] of parts) {
      part.active = this.#active.get(service);
      this.#rules.forEach(({ name, rule }, order) => {
        let verdict: Verdict;
        try {
          verdict = rule(part);
        } catch (err) {
          // one broken rule must not take the others down; it reports as "not enough data"
          verdict = { status: 'insufficient-data', reason: `rule failed: ${(err as Error).message}` };
        }
        this.#verdicts.set(`${service}|${name}`, verdict.status);
        if (verdict.status !== 'issue') return;
        for (const draft of verdict.findings) seen.set(`${service}|${draft.kind}|${draft.variant}|${draft.subject}`, { draft, service, order });
      });
    }
    // findings about nodes silent just now are held (HOLD_SILENT_SECONDS)
    const held = new Set<string>();
    const byInstance = new Map<string, NodeWindow>();
    for (const n of input.allNodes ?? input.nodes) byInstance.set(n.instance, n);
    for (const [service, findings] of this.#active) {
      for (const [k, f] of findings) {
        if (f.nodes.length > 0 && f.nodes.every((i) => { const n = byInstance.get(i); return n !== undefined && silentJustNow(n); })) held.add(`${service}|${k}`);
      }
    }
    // a node's off-cpu finding, no longer seen and only held by the hysteresis, is gone once its host's names it (both
    // showed for the 5 s it took to clear: outside UI audit)
    const raised = this.#hysteresis.update(seen, now, held);
    const hosts = raised.filter(({ value: { draft } }) => draft.kind === 'off-cpu' && draft.variant === 'host');
    const live = raised.filter(
      ({ key, value: { draft } }) => !(draft.kind === 'off-cpu' && draft.variant === 'node' && !seen.has(key) && hosts.some((h) => draft.nodes.every((n) => h.value.draft.nodes.includes(n)))),
    );
    this.#steady(live);
    live.sort((a, b) => SEVERITY_ORDER[a.value.draft.severity] - SEVERITY_ORDER[b.value.draft.severity] || a.value.order - b.value.order || a.since - b.since);
    this.#active = new Map();
    for (const { value, since } of live) {
      const keys = this.#active.get(value.service) ?? new Map<string, ActiveFinding>();
      keys.set(`${value.draft.kind}|${value.draft.variant}|${value.draft.subject}`, { since, facts: value.draft.facts, nodes: value.draft.nodes });
      this.#active.set(value.service, keys);
    }
    const nodesNow = new Set(live.flatMap((f) => f.value.draft.nodes));
    for (const n of this.#liveNodes) if (!nodesNow.has(n)) this.#quietSince.set(n, now);
    for (const n of nodesNow) if (!this.#liveNodes.has(n)) this.#namedSince.set(n, now);
    for (const n of this.#namedSince.keys()) if (!nodesNow.has(n)) this.#namedSince.delete(n);
    this.#liveNodes = nodesNow;
    for (const [n, t] of this.#quietSince) if (t < now - QUIET_MEMORY_MS) this.#quietSince.delete(n);
    const links: CauseLink[] = [];
    const refuted = new Set<string>();
    for (const service of new Set(live.map((f) => f.value.service))) {
      const mine = live.filter((f) => f.value.service === service).map((f) => ({ id: f.key, draft: f.value.draft }));
      links.push(...linkCauses(mine, parts.get(service)));
      for (const key of refutedLinks(mine, parts.get(service))) refuted.add(key);
    }
    // A link seen once holds while both findings do: the numbers that show a cause accounts for a symptom
    // (GC's share against the loop's busy time, say) swing from second to second around the line, and a
    // finding should not hop in and out of its cause's group.
    const drafts = new Map(live.map((f) => [f.key, f.value.draft]));
    const fresh = new Set(links.map((l) => `${l.cause}\0${l.effect}`));
    for (const key of this.#links) {
      const [cause, effect] = key.split('\0');
      if (!fresh.has(key) && drafts.has(cause) && drafts.has(effect) && !refuted.has(key)) {
        links.push({ cause, effect });
        fresh.add(key);
      }
    }
    this.#links = fresh;
    // the one cause that spans services: a host short of cores. Not held like the links above: the host's root is
    // kept instead while it lives, so its group neither changes hands nor gathers links to two roots
    const crowded = linkCrowdedHosts(
      live.map((f) => ({ id: f.key, draft: f.value.draft, service: f.value.service })),
      this.#hostRoots,
    );
    this.#hostRoots = crowded.roots;
    links.push(...crowded.links);
    // a cause is at least as severe as what it causes: a critical latency regression sat under the warning of the slow
    // downstream that caused it (outside UI audit); along chains too (at most a few links deep)
    for (let round = 0; round < 3; round++) {
      for (const { cause, effect } of links) {
        const c = drafts.get(cause);
        const e = drafts.get(effect);
        if (c !== undefined && e !== undefined && SEVERITY_ORDER[e.severity] < SEVERITY_ORDER[c.severity]) drafts.set(cause, { ...c, severity: e.severity });
      }
    }
    for (const f of live) f.value.draft = drafts.get(f.key) ?? f.value.draft;
    live.sort((a, b) => SEVERITY_ORDER[a.value.draft.severity] - SEVERITY_ORDER[b.value.draft.severity] || a.value.order - b.value.order || a.since - b.since);
    // when each node's process started (hotCodeFor: findings raised right after its start-up may use its profiles)
    const startedAt = new Map(input.nodes.map((n) => [n.instance, n.startedAt]));
    this.#findings = live.map(({ key, value, since }) => {
      const causes = links.filter((l) => l.effect === key).map((l) => l.cause);
      const explains = links.filter((l) => l.cause === key).map((l) => l.effect);
      const profiles = {
        hotCode: hotCodeFor(value.draft.kind, value.draft.nodes, since, input.profiles, (i) => this.#quietSince.get(i) ?? 0, (i) => startedAt.get(i), (i) => this.#namedSince.get(i)),
        heapProfile: heapProfileFor(value.draft.kind, value.draft.variant, value.draft.nodes, since, input.heapProfiles, Number(value.draft.facts.span) || Infinity, Number(value.draft.facts.slope) || 0),
        allocations: allocationProfileFor(value.draft.kind, value.draft.variant, value.draft.nodes, since, input.allocationProfiles),
      };
      return render(key, value.draft, value.service, since, now, { causes, explains, causePhrases: causes.map((id) => causePhrase(drafts.get(id)!)) }, profiles);
    });
    return this.#findings;
  }

  /** The findings of the last evaluation, optionally of one service. */
  findings(service?: string | null): ServiceFinding[] {
    return service ? this.#findings.filter((f) => f.service === service) : this.#findings;
  }

  /** Each rule's last answer per service ("issue", "none", "insufficient-data"), for debugging. */
  verdicts(): ReadonlyMap<string, Verdict['status']> {
    return this.#verdicts;
  }
}

function render(
  id: string,
  draft: FindingDraft,
  service: string,
  since: number,
  now: number,
  related: { causes: string[]; explains: string[]; causePhrases: string[] },
  { hotCode, heapProfile, allocations }: { hotCode: CpuProfile | undefined; heapProfile: HeapProfile | undefined; allocations: HeapProfile | undefined },
): ServiceFinding {
  const { summary, advice } = explain(draft);
  const profiled = [hotCode ? hotCodePhrase(hotCode) : '', heapProfile ? heapPhrase(heapProfile) : '', allocations ? allocationPhrase(allocations) : ''].filter((x) => x !== '').join(' ');
  const caused = related.causes.length > 0 ? ` Likely a consequence of ${joinPhrases(related.causePhrases)}.` : '';
  return {
    id,
    kind: draft.kind,
    severity: draft.severity,
    summary: `${summary}${profiled ? ` ${profiled}` : ''}${caused}`,
    evidence: draft.evidence.map(evidenceLine),
    nodes: draft.nodes,
    routes: draft.routes,
    since,
    // a consequence's own advice (look for synchronous code, say) would send the reader the wrong way first
    advice:
      (related.causes.length > 0 ? `Start with its cause, ${joinPhrases(related.causePhrases)}; if this remains once that is fixed: ${advice}` : advice) +
      (hotCode ? ` ${hotCodeAdvice(hotCode)}` : '') +
      (heapProfile ? ` ${heapAdvice(heapProfile)}` : '') +
      (allocations ? ` ${allocationAdvice(allocations)}` : ''),
    metrics: draft.evidence.map((e) => ({ ...e, baseline: Number.isFinite(e.baseline) ? e.baseline : NaN })),
    updatedAt: now,
    service,
    causedBy: related.causes,
    explains: related.explains,
    ...(hotCode ? { hotCode } : {}),
    ...(heapProfile ? { heapProfile } : {}),
    ...(allocations ? { allocations } : {}),
  };
}
