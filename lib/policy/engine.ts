// The policy decision point: API-NOTES "Policies — one truth table", nothing more. Pure — no
// database, no clock except `context.now ?? new Date()` for time windows, no logging.
//
//   compilePolicies(sources)  once per change of the policy set; the result is shared by all
//                             requests and never changes (apart from the per-call scratch below)
//   decide(compiled, request) per request; a few hundred nanoseconds at 1,000 rules
//
// Semantics, in short: a policy applies when it is active, of the request's organization, of no
// environment or of the request's, and either unbound or bound by at least one binding matching
// the request; its priority is the highest priority of its matching bindings (0 unbound). The
// highest priority at which any rule matches action and target with its conditions holding
// decides: deny if any rule there denies, else allow. Nothing matches → deny.
//
// Index: per organization, rules are grouped by action (exact actions in a Map, glob actions in
// a short list), then by target: exact targets in a Map; globs whose literal prefix contains '/'
// (`tool:conn/*`) by that prefix up to the first '/'; globs whose literal suffix contains '/'
// (`tool:*/echo`) by the text after the last '/'; the rest in a list. A request looks at one
// entry of each Map plus the rest list, so cost grows with the rules that could match, not with
// all rules. Each list is sorted by the highest priority its policy could have, so a scan stops
// as soon as no remaining rule could reach the best level found so far. A policy's
// applicability (its bindings) is evaluated only when one of its rules matched, once per call.
//
// Which rule is reported when several decide at the winning level: the smallest by (policy id,
// then rule rows by id before short-form entries by text) — so the whole Decision, not just
// allow/deny, does not depend on the order policies, rules or bindings were loaded in. Likewise
// the reported binding is the matching binding of highest priority, smallest id on a tie.
import { compileConditions, conditionsHold, type CompiledConditions } from './conditions';
import { compileGlob, isGlob, matchGlob, type Glob } from './glob';
import type { BindingScopeType, CompileProblem, Decision, DecisionMode, DecisionRequest, PolicySource } from './types';

export { validateConditions } from './conditions';

interface CompiledBinding {
  readonly id: string;
  /** `applies through agent binding <id>`, for explanations. */
  readonly described: string;
  readonly scopeType: BindingScopeType;
  readonly scopeId: string;
  readonly priority: number;
  /** resource_ns with '*': matched as a glob; without: as a prefix. */
  readonly namespace: Glob | null;
}

interface CompiledPolicy {
  /** Index into the per-call scratch arrays. */
  readonly slot: number;
  readonly id: string;
  readonly environmentId: string | null;
  /** `Allowed by policy "P"` and `Denied by policy "P"`: the public reasons, built once. */
  readonly allowedReason: string;
  readonly deniedReason: string;
  /** Sorted by priority (high first), then id: the first that matches is the one to report. */
  readonly bindings: readonly CompiledBinding[];
  /** The highest priority this policy can have for any request. */
  readonly maxPriority: number;
}

interface CompiledRule {
  readonly policy: CompiledPolicy;
  readonly ruleId: string | null;
  readonly deny: boolean;
  readonly target: Glob;
  readonly conditions: CompiledConditions | null;
  /** `rule <id> of policy "P"` or `short-form allow "echo" of policy "P"`, for explanations. */
  readonly described: string;
  /** Tie-break among rules deciding at the same level (see the header). */
  readonly key: string;
}

interface ActionIndex {
  readonly exact: Map<string, CompiledRule[]>;
  readonly byHead: Map<string, CompiledRule[]>;
  readonly byTail: Map<string, CompiledRule[]>;
  readonly other: CompiledRule[];
}

interface OrgIndex {
  readonly actions: Map<string, ActionIndex>;
  readonly globActions: { readonly action: Glob; readonly index: ActionIndex }[];
  readonly hasTimeWindows: boolean;
}

// decide() is synchronous and calls no foreign code, so one scratch area per compiled set is
// safe to share between all concurrent requests of a process; `generation` invalidates the
// per-policy memo of the previous call without clearing it.
interface Scratch {
  generation: number;
  readonly stamp: Float64Array;
  readonly priority: Float64Array;
  readonly binding: (CompiledBinding | null)[];
  best: number;
  deny: CompiledRule | null;
  allow: CompiledRule | null;
  listing: boolean;
  now: Date | null;
}

export interface CompiledPolicies {
  /** Active policies compiled (inactive ones are left out). */
  readonly policyCount: number;
  /** Rules compiled: rows plus short-form entries of active policies. */
  readonly ruleCount: number;
  /** Data the engine could not use as written; it failed closed on each (see CompileProblem). */
  readonly problems: readonly CompileProblem[];
  /** @internal */
  readonly orgs: ReadonlyMap<string, OrgIndex>;
  /** @internal */
  readonly scratch: Scratch;
}

export type DecideOptions = { mode?: DecisionMode };

const SCOPE_TYPES: ReadonlySet<string> = new Set<BindingScopeType>(['org', 'env', 'agent', 'tool', 'role', 'user', 'resource_ns']);
const SHORT_FORM_ACTION = 'tool.invoke';

/** The target a short-form entry stands for: `echo` → `tool:*\/echo`, `conn/echo` → `tool:conn/echo`. */
export const shortFormTarget = (entry: string): string => (entry.includes('/') ? `tool:${entry}` : `tool:*/${entry}`);

// ---------------------------------------------------------------------------------------------
// Compilation

export function compilePolicies(sources: readonly PolicySource[]): CompiledPolicies {
  const problems: CompileProblem[] = [];
  // organization → action pattern → rules
  const grouped = new Map<string, Map<string, CompiledRule[]>>();
  const timeOrgs = new Set<string>();
  let policyCount = 0;
  let ruleCount = 0;

  for (const source of sources) {
    if (!source.isActive) continue;
    const policy = compilePolicy(source, policyCount++, problems);
    let byAction = grouped.get(source.organizationId);
    if (!byAction) grouped.set(source.organizationId, (byAction = new Map()));
    const add = (action: string, rule: CompiledRule) => {
      const list = byAction.get(action);
      if (list) list.push(rule);
      else byAction.set(action, [rule]);
      if (rule.conditions?.timeWindow) timeOrgs.add(source.organizationId);
      ruleCount++;
    };

    for (const row of source.rules ?? []) {
      if (typeof row.action !== 'string' || typeof row.target !== 'string') {
        problems.push({ policyId: source.id, ruleId: row.id, message: 'rule without a string action or target: skipped' });
        continue;
      }
      let deny = row.effect === 'deny';
      if (!deny && row.effect !== 'allow') {
        problems.push({ policyId: source.id, ruleId: row.id, message: `unknown effect ${JSON.stringify(row.effect)}: treated as deny` });
        deny = true;
      }
      const compiled = compileConditions(row.conditions);
      let conditions: CompiledConditions | null = null;
      if (compiled.ok) {
        conditions = compiled.conditions;
      } else if (deny) {
        problems.push({ policyId: source.id, ruleId: row.id, message: 'invalid conditions on a deny rule: the rule denies unconditionally', issues: compiled.issues });
      } else {
        problems.push({ policyId: source.id, ruleId: row.id, message: 'invalid conditions on an allow rule: the rule is skipped', issues: compiled.issues });
        continue;
      }
      add(row.action, {
        policy,
        ruleId: row.id,
        deny,
        target: compileGlob(row.target),
        conditions,
        described: `rule ${row.id} of policy ${JSON.stringify(source.name)}`,
        key: `${source.id}\u0000${row.id}`,
      });
    }

    for (const effect of ['allow', 'deny'] as const) {
      const entries: unknown = source.rulesJson?.[effect];
      if (entries === undefined || entries === null) continue;
      if (!Array.isArray(entries)) {
        problems.push({ policyId: source.id, ruleId: null, message: `rules_json.${effect} is not an array: ignored` });
        continue;
      }
      for (const entry of entries) {
        if (typeof entry !== 'string') {
          problems.push({ policyId: source.id, ruleId: null, message: `rules_json.${effect} entry ${JSON.stringify(entry)} is not a string: skipped` });
          continue;
        }
        add(SHORT_FORM_ACTION, {
          policy,
          ruleId: null,
          deny: effect === 'deny',
          target: compileGlob(shortFormTarget(entry)),
          conditions: null,
          described: `short-form ${effect} ${JSON.stringify(entry)} of policy ${JSON.stringify(source.name)}`,
          key: `${source.id}\u0001${entry}`,
        });
      }
    }
  }

  const orgs = new Map<string, OrgIndex>();
  for (const [orgId, byAction] of grouped) {
    const actions = new Map<string, ActionIndex>();
    const globActions: OrgIndex['globActions'] = [];
    for (const [action, rules] of byAction) {
      const index = buildActionIndex(rules);
      if (isGlob(action)) globActions.push({ action: compileGlob(action), index });
      else actions.set(action, index);
    }
    orgs.set(orgId, { actions, globActions, hasTimeWindows: timeOrgs.has(orgId) });
  }

  return {
    policyCount,
    ruleCount,
    problems,
    orgs,
    scratch: {
      generation: 0,
      stamp: new Float64Array(policyCount),
      priority: new Float64Array(policyCount),
      binding: new Array<CompiledBinding | null>(policyCount).fill(null),
      best: -Infinity,
      deny: null,
      allow: null,
      listing: false,
      now: null,
    },
  };
}

function compilePolicy(source: PolicySource, slot: number, problems: CompileProblem[]): CompiledPolicy {
  const bindings: CompiledBinding[] = [];
  for (const b of source.bindings ?? []) {
    // Kept even when unusable: a bound policy must not become an unbound one (applying to
    // everything) because its only binding is broken. Such a binding simply never matches.
    if (!SCOPE_TYPES.has(b.scopeType)) problems.push({ policyId: source.id, ruleId: null, message: `binding ${b.id} has unknown scope type ${JSON.stringify(b.scopeType)}: never matches` });
    const priority = Number.isFinite(b.priority) ? b.priority : 0;
    if (priority !== b.priority) problems.push({ policyId: source.id, ruleId: null, message: `binding ${b.id} has no numeric priority: 0 used` });
    const namespace = b.scopeType === 'resource_ns' && isGlob(b.scopeId) ? compileGlob(b.scopeId) : null;
    bindings.push({ id: b.id, described: `applies through ${b.scopeType} binding ${b.id}`, scopeType: b.scopeType, scopeId: b.scopeId, priority, namespace });
  }
  bindings.sort((a, b) => b.priority - a.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return {
    slot,
    id: source.id,
    environmentId: source.environmentId ?? null,
    allowedReason: `Allowed by policy ${JSON.stringify(source.name)}`,
    deniedReason: `Denied by policy ${JSON.stringify(source.name)}`,
    bindings,
    maxPriority: bindings[0]?.priority ?? 0,
  };
}

function buildActionIndex(rules: CompiledRule[]): ActionIndex {
  const index: ActionIndex = { exact: new Map(), byHead: new Map(), byTail: new Map(), other: [] };
  const push = (map: Map<string, CompiledRule[]>, key: string, rule: CompiledRule) => {
    const list = map.get(key);
    if (list) list.push(rule);
    else map.set(key, [rule]);
  };
  for (const rule of rules) {
    const g = rule.target;
    if (!isGlob(g.pattern)) {
      push(index.exact, g.pattern, rule);
      continue;
    }
    // A target matching a glob whose literal prefix holds a '/' has the same text up to its
    // first '/'; one whose literal suffix holds a '/' has the same text after its last '/'.
    const headSlash = g.head.indexOf('/');
    const tailSlash = g.tail.lastIndexOf('/');
    if (headSlash >= 0) push(index.byHead, g.head.slice(0, headSlash + 1), rule);
    else if (tailSlash >= 0) push(index.byTail, g.tail.slice(tailSlash + 1), rule);
    else index.other.push(rule);
  }
  const byCeiling = (a: CompiledRule, b: CompiledRule) => b.policy.maxPriority - a.policy.maxPriority;
  for (const list of index.exact.values()) list.sort(byCeiling);
  for (const list of index.byHead.values()) list.sort(byCeiling);
  for (const list of index.byTail.values()) list.sort(byCeiling);
  index.other.sort(byCeiling);
  return index;
}

// ---------------------------------------------------------------------------------------------
// Decision

export function decide(compiled: CompiledPolicies, request: DecisionRequest, options?: DecideOptions): Decision {
  const listing = options?.mode === 'listing';
  const org = compiled.orgs.get(request.organizationId);
  if (org === undefined) return defaultDeny(request, listing);

  const s = compiled.scratch;
  s.generation++;
  s.best = -Infinity;
  s.deny = null;
  s.allow = null;
  s.listing = listing;
  s.now = org.hasTimeWindows ? (request.context?.now ?? new Date()) : null;

  const exact = org.actions.get(request.action);
  if (exact !== undefined) scanIndex(s, exact, request);
  for (const g of org.globActions) if (matchGlob(g.action, request.action)) scanIndex(s, g.index, request);

  // (Casts: TypeScript keeps the `= null` narrowing above across the calls that set them.)
  const deny = s.deny as CompiledRule | null;
  const allow = s.allow as CompiledRule | null;
  s.now = null;
  const winner = deny ?? allow;
  if (winner === null) return defaultDeny(request, listing);

  const policy = winner.policy;
  const binding = s.binding[policy.slot] ?? null;
  const priority = s.best;
  let explanation =
    `${deny ? 'denied' : 'allowed'}: ${winner.described} (priority ${priority}) ${deny ? 'denies' : 'allows'} ${request.action} on ${request.target}; ` +
    (binding ? binding.described : 'policy has no bindings');
  if (deny && allow) explanation += `; the deny beats ${allow.described} allowing at the same priority`;
  if (listing) explanation += '; listing mode: input conditions not evaluated';
  return {
    decision: deny ? 'deny' : 'allow',
    reason: deny ? policy.deniedReason : policy.allowedReason,
    matched: { policy_id: policy.id, rule_id: winner.ruleId, binding_id: binding ? binding.id : null },
    explanation,
    priority,
  };
}

function defaultDeny(request: DecisionRequest, listing: boolean): Decision {
  return {
    decision: 'deny',
    reason: `No policy explicitly allows ${request.action} on ${request.target}`,
    matched: { policy_id: null, rule_id: null, binding_id: null },
    explanation:
      `denied by default: no rule of an applicable policy matches ${request.action} on ${request.target} with its conditions holding` +
      (listing ? '; listing mode: input conditions not evaluated' : ''),
    priority: null,
  };
}

function scanIndex(s: Scratch, index: ActionIndex, request: DecisionRequest): void {
  const target = request.target;
  const exact = index.exact.get(target);
  if (exact !== undefined) scan(s, exact, request, false);
  if (index.byHead.size > 0) {
    const slash = target.indexOf('/');
    const list = slash >= 0 ? index.byHead.get(target.slice(0, slash + 1)) : undefined;
    if (list !== undefined) scan(s, list, request, true);
  }
  if (index.byTail.size > 0) {
    const slash = target.lastIndexOf('/');
    const list = slash >= 0 ? index.byTail.get(target.slice(slash + 1)) : undefined;
    if (list !== undefined) scan(s, list, request, true);
  }
  if (index.other.length > 0) scan(s, index.other, request, true);
}

function scan(s: Scratch, rules: readonly CompiledRule[], request: DecisionRequest, glob: boolean): void {
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i] as CompiledRule;
    if (rule.policy.maxPriority < s.best) return; // sorted: nothing further can reach the best level
    if (glob && !matchGlob(rule.target, request.target)) continue;
    consider(s, rule, request);
  }
}

function consider(s: Scratch, rule: CompiledRule, request: DecisionRequest): void {
  const policy = rule.policy;
  if (policy.environmentId !== null && policy.environmentId !== request.environmentId) return;

  let priority: number;
  if (s.stamp[policy.slot] === s.generation) {
    priority = s.priority[policy.slot] as number;
  } else {
    const binding = applicableBinding(policy, request);
    priority = binding === undefined ? -Infinity : binding === null ? 0 : binding.priority;
    s.stamp[policy.slot] = s.generation;
    s.priority[policy.slot] = priority;
    s.binding[policy.slot] = binding ?? null;
  }
  if (priority === -Infinity || priority < s.best) return;

  const conditions = rule.conditions;
  if (conditions !== null) {
    if (s.listing && conditions.input !== null) {
      // Listing: an allow's input part counts as holding, a deny's as not (so the deny is out).
      if (rule.deny || !conditionsHold(conditions, request, s.now, true)) return;
    } else if (!conditionsHold(conditions, request, s.now, false)) {
      return;
    }
  }

  if (priority > s.best) {
    s.best = priority;
    s.deny = null;
    s.allow = null;
  }
  if (rule.deny) {
    if (s.deny === null || rule.key < s.deny.key) s.deny = rule;
  } else if (s.allow === null || rule.key < s.allow.key) {
    s.allow = rule;
  }
}

/** The matching binding of highest priority; null: unbound (applies, priority 0); undefined: not applicable. */
function applicableBinding(policy: CompiledPolicy, request: DecisionRequest): CompiledBinding | null | undefined {
  const bindings = policy.bindings;
  if (bindings.length === 0) return null;
  for (let i = 0; i < bindings.length; i++) {
    const b = bindings[i] as CompiledBinding;
    if (bindingMatches(b, request)) return b;
  }
  return undefined;
}

function bindingMatches(b: CompiledBinding, request: DecisionRequest): boolean {
  switch (b.scopeType) {
    case 'org':
      return b.scopeId === request.organizationId;
    case 'env':
      return !!request.environmentId && b.scopeId === request.environmentId;
    case 'agent':
      // Strictly the agent: a service account or user acting without an agent never matches an
      // agent binding, even if its id were the same text. (Empty ids never match anything.)
      return !!request.subject.agentId && b.scopeId === request.subject.agentId;
    case 'tool':
      return !!request.targetId && b.scopeId === request.targetId;
    case 'role':
      return b.scopeId !== '' && request.subject.roles !== undefined && request.subject.roles.includes(b.scopeId);
    case 'user':
      return !!request.subject.userId && b.scopeId === request.subject.userId;
    case 'resource_ns': {
      // The target without its `kind:` prefix: `resource:docs/a.md` → `docs/a.md`.
      const target = request.target;
      const namespaced = target.slice(target.indexOf(':') + 1);
      return b.namespace !== null ? matchGlob(b.namespace, namespaced) : namespaced.startsWith(b.scopeId);
    }
    default:
      return false;
  }
}
