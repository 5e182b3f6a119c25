// Properties of the decision point over random policy sets and requests drawn from small universes
// (so that organizations, environments, agents, globs and priorities collide often):
//   - the compiled index decides exactly as a naive reading of API-NOTES (reference below);
//   - adding a deny never turns a deny into an allow;
//   - without allow rules everything is denied;
//   - the order of policies, rules, bindings and short-form entries changes nothing;
//   - listing mode allows at least what a call allows.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compilePolicies, decide } from './engine';
import type { BindingScopeType, DecisionRequest, PolicySource } from './types';

// ---------------------------------------------------------------------------------------------
// Reference implementation: straight from API-NOTES, no index, no shortcuts, no code shared
// with the engine.

type Mode = 'call' | 'listing';
type RefRule = { kind: 0 | 1; id: string; action: string; target: string; effect: 'allow' | 'deny'; conditions: Record<string, unknown> };

const refGlob = (pattern: string, value: string) =>
  new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('[\\s\\S]*')}$`).test(value);

function refBindingMatches(b: PolicySource['bindings'][number], r: DecisionRequest): boolean {
  const present = (v: string | null | undefined): v is string => typeof v === 'string' && v.length > 0;
  if (b.scopeType === 'org') return b.scopeId === r.organizationId;
  if (b.scopeType === 'env') return present(r.environmentId) && b.scopeId === r.environmentId;
  if (b.scopeType === 'agent') return present(r.subject.agentId) && b.scopeId === r.subject.agentId;
  if (b.scopeType === 'tool') return present(r.targetId) && b.scopeId === r.targetId;
  if (b.scopeType === 'user') return present(r.subject.userId) && b.scopeId === r.subject.userId;
  if (b.scopeType === 'role') return present(b.scopeId) && (r.subject.roles ?? []).includes(b.scopeId);
  if (b.scopeType === 'resource_ns') {
    const rest = r.target.includes(':') ? r.target.substring(r.target.indexOf(':') + 1) : r.target;
    return b.scopeId.includes('*') ? refGlob(b.scopeId, rest) : rest.substring(0, b.scopeId.length) === b.scopeId;
  }
  return false;
}

const canonical = (v: unknown): string =>
  Array.isArray(v)
    ? `[${v.map(canonical).join(',')}]`
    : v !== null && typeof v === 'object'
      ? `{${Object.keys(v)
          .sort()
          .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
          .join(',')}}`
      : JSON.stringify(v);

function refLookup(input: unknown, path: string): { found: boolean; value?: unknown } {
  let cur: unknown = input;
  for (const seg of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return { found: false };
    if (Array.isArray(cur)) {
      const n = Number(seg);
      if (!Number.isInteger(n) || n < 0 || String(n) !== seg || n >= cur.length) return { found: false };
      cur = cur[n];
    } else {
      if (!Object.keys(cur).includes(seg)) return { found: false };
      cur = (cur as Record<string, unknown>)[seg];
    }
  }
  return cur === undefined ? { found: false } : { found: true, value: cur };
}

function refInputHolds(spec: Record<string, unknown>, input: unknown): boolean {
  return Object.entries(spec).every(([path, check]) => {
    const { found, value } = refLookup(input, path);
    const op = check !== null && typeof check === 'object' && !Array.isArray(check) ? Object.keys(check).find((k) => ['equals', 'in', 'not_in', 'exists'].includes(k)) : undefined;
    const operand = op ? (check as Record<string, unknown>)[op] : check;
    if (op === 'exists') return found === operand;
    if (op === 'in') return found && (operand as unknown[]).some((v) => canonical(v) === canonical(value));
    if (op === 'not_in') return !found || !(operand as unknown[]).some((v) => canonical(v) === canonical(value));
    return found && canonical(operand) === canonical(value);
  });
}

const DAY_NAMES = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

function refTimeHolds(tw: { start: string; end: string; days?: string[]; timezone?: string }, now: Date): boolean {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone: tw.timezone ?? 'UTC', weekday: 'long', hour: 'numeric', minute: 'numeric', hour12: false }).formatToParts(now);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  const minuteOfWeek = DAY_NAMES.indexOf(get('weekday').toLowerCase()) * 1440 + (Number(get('hour')) % 24) * 60 + Number(get('minute'));
  const toMin = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));
  const start = toMin(tw.start);
  const length = (toMin(tw.end) - start + 1440) % 1440 || 1440; // equal: the whole day
  const days = tw.days ?? ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
  // Each listed day opens a window at `start` lasting `length` minutes (possibly into the next day).
  return days.some((d) => {
    const opens = DAY_NAMES.findIndex((n) => n.startsWith(d)) * 1440 + start;
    return (minuteOfWeek - opens + 10080) % 10080 < length;
  });
}

function refConditionsHold(c: Record<string, unknown>, effect: 'allow' | 'deny', r: DecisionRequest, mode: Mode): boolean {
  if ('environment_type' in c) {
    const wanted = ([] as string[]).concat(c.environment_type as string | string[]);
    if (!r.environmentType || !wanted.includes(r.environmentType)) return false;
  }
  if ('input' in c) {
    if (mode === 'listing') {
      if (effect === 'deny') return false;
    } else if (!refInputHolds(c.input as Record<string, unknown>, r.context?.input)) {
      return false;
    }
  }
  if ('time_window' in c && !refTimeHolds(c.time_window as never, r.context?.now ?? new Date())) return false;
  return true;
}

type RefDecision = { decision: 'allow' | 'deny'; priority: number | null; matched: { policy_id: string | null; rule_id: string | null; binding_id: string | null } };

function refDecide(sources: PolicySource[], r: DecisionRequest, mode: Mode): RefDecision {
  const hits: { priority: number; policyId: string; bindingId: string | null; rule: RefRule }[] = [];
  for (const p of sources) {
    if (!p.isActive || p.organizationId !== r.organizationId) continue;
    if (p.environmentId !== null && p.environmentId !== r.environmentId) continue;
    let priority = 0;
    let bindingId: string | null = null;
    if (p.bindings.length > 0) {
      const matching = p.bindings.filter((b) => refBindingMatches(b, r));
      if (matching.length === 0) continue;
      priority = Math.max(...matching.map((b) => b.priority));
      bindingId = matching.filter((b) => b.priority === priority).map((b) => b.id).sort()[0] ?? null;
    }
    const rules: RefRule[] = [
      ...p.rules.map((x) => ({ kind: 0 as const, ...x })),
      ...(['allow', 'deny'] as const).flatMap((effect) =>
        (p.rulesJson[effect] ?? []).map((entry) => ({ kind: 1 as const, id: entry, action: 'tool.invoke', target: entry.includes('/') ? `tool:${entry}` : `tool:*/${entry}`, effect, conditions: {} })),
      ),
    ];
    for (const rule of rules) {
      if (refGlob(rule.action, r.action) && refGlob(rule.target, r.target) && refConditionsHold(rule.conditions, rule.effect, r, mode)) hits.push({ priority, policyId: p.id, bindingId, rule });
    }
  }
  if (hits.length === 0) return { decision: 'deny', priority: null, matched: { policy_id: null, rule_id: null, binding_id: null } };
  const best = Math.max(...hits.map((h) => h.priority));
  const level = hits.filter((h) => h.priority === best);
  const decision = level.some((h) => h.rule.effect === 'deny') ? 'deny' : 'allow';
  const order = (a: (typeof hits)[number], b: (typeof hits)[number]) =>
    a.policyId !== b.policyId ? (a.policyId < b.policyId ? -1 : 1) : a.rule.kind !== b.rule.kind ? a.rule.kind - b.rule.kind : a.rule.id < b.rule.id ? -1 : a.rule.id > b.rule.id ? 1 : 0;
  const w = level.filter((h) => h.rule.effect === decision).sort(order)[0]!;
  return { decision, priority: best, matched: { policy_id: w.policyId, rule_id: w.rule.kind === 0 ? w.rule.id : null, binding_id: w.bindingId } };
}

// ---------------------------------------------------------------------------------------------
// Generators

const ORGS = ['o1', 'o2'];
const ENVS = ['e1', 'e2'];
const TARGETS = ['tool:c1/echo', 'tool:c1/add', 'tool:c2/echo', 'tool:c2/x/y', 'tool:echo', 'resource:docs/a.md', 'resource:docs/sub/b.txt', 'prompt:c1/p', 'agent:helper'];
const RULE_TARGETS = [...TARGETS, 'tool:c1/*', 'tool:*/echo', '*', 'tool:*', 'resource:docs/*', '*echo*', 'tool:c*/e*o', 'resource:*.md', '*/echo', 'tool:c2/*/y', 'tool:c1/'];
const ACTIONS = ['tool.invoke', 'resource.read', 'prompt.get', 'agent.invoke'];
const RULE_ACTIONS = [...ACTIONS, 'tool.*', '*', '*.invoke', '*.read'];
const SHORT_FORMS = ['echo', 'add', 'c1/echo', 'c1/*', '*', 'e*o', 'c2/x/*', 'x/y'];
const PRIORITIES = [-1, 0, 0, 1, 5, 10];
const HHMM = ['00:00', '06:00', '09:30', '12:00', '18:00', '23:59'];
const TIMEZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata'];

const value = fc.constantFrom<unknown>('a', 'b', 1, 2, true, null, { k: 'a' }, ['a']);
const inputCondition = fc.dictionary(
  fc.constantFrom('mode', 'n', 'nested.k', 'list.0', 'list', 'missing'),
  fc.oneof(value, fc.record({ equals: value }), fc.record({ in: fc.array(value, { maxLength: 3 }) }), fc.record({ not_in: fc.array(value, { maxLength: 3 }) }), fc.record({ exists: fc.boolean() })),
  { minKeys: 1, maxKeys: 2 },
);
const timeWindow = fc.record(
  { start: fc.constantFrom(...HHMM), end: fc.constantFrom(...HHMM), days: fc.subarray(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], { minLength: 1 }), timezone: fc.constantFrom(...TIMEZONES) },
  { requiredKeys: ['start', 'end'] },
);
const environmentType = fc.oneof(fc.constantFrom('production', 'staging'), fc.subarray(['production', 'staging', 'development'], { minLength: 1 }));
const conditions: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  { weight: 6, arbitrary: fc.constant({}) },
  { weight: 1, arbitrary: fc.record({ environment_type: environmentType }) },
  { weight: 2, arbitrary: fc.record({ input: inputCondition }) },
  { weight: 1, arbitrary: fc.record({ time_window: timeWindow }) },
  { weight: 1, arbitrary: fc.record({ environment_type: environmentType, input: inputCondition, time_window: timeWindow }, { requiredKeys: [] }) },
);

const rule = fc.record({
  action: fc.oneof({ weight: 3, arbitrary: fc.constant('tool.invoke') }, { weight: 2, arbitrary: fc.constantFrom(...RULE_ACTIONS) }),
  target: fc.constantFrom(...RULE_TARGETS),
  effect: fc.constantFrom<'allow' | 'deny'>('allow', 'allow', 'deny'),
  conditions,
});

const SCOPES: Record<BindingScopeType, string[]> = {
  org: ORGS,
  env: ENVS,
  agent: ['a1', 'a2'],
  tool: ['t1', 't2'],
  role: ['r1', 'r2'],
  user: ['u1', 'u2'],
  resource_ns: ['docs', 'docs/', 'docs/sub', 'd*', '*.md', 'c1/', 'other'],
};
const binding = fc
  .constantFrom(...(Object.keys(SCOPES) as BindingScopeType[]))
  .chain((scopeType) => fc.record({ scopeType: fc.constant(scopeType), scopeId: fc.constantFrom(...SCOPES[scopeType]), priority: fc.constantFrom(...PRIORITIES) }));

type PolicyDraft = {
  organizationId: string;
  environmentId: string | null;
  isActive: boolean;
  rules: { action: string; target: string; effect: 'allow' | 'deny'; conditions: Record<string, unknown> }[];
  allow: string[] | null;
  deny: string[] | null;
  bindings: { scopeType: BindingScopeType; scopeId: string; priority: number }[];
};

const policyDraft: fc.Arbitrary<PolicyDraft> = fc.record({
  organizationId: fc.constantFrom('o1', 'o1', 'o1', 'o2'),
  environmentId: fc.constantFrom(null, null, 'e1', 'e2'),
  isActive: fc.constantFrom(true, true, true, false),
  rules: fc.array(rule, { maxLength: 5 }),
  allow: fc.option(fc.array(fc.constantFrom(...SHORT_FORMS), { maxLength: 3 }), { freq: 2 }),
  deny: fc.option(fc.array(fc.constantFrom(...SHORT_FORMS), { maxLength: 1 })),
  bindings: fc.oneof({ weight: 1, arbitrary: fc.constant<PolicyDraft['bindings']>([]) }, { weight: 1, arbitrary: fc.array(binding, { minLength: 1, maxLength: 3 }) }),
});

/** Ids are scrambled so that list order and id order differ. */
const scramble = (i: number) => ((i * 7919) % 1000).toString(36).padStart(3, '0');

function toSource(d: PolicyDraft, i: number): PolicySource {
  const id = `p${scramble(i)}`;
  const rulesJson: PolicySource['rulesJson'] = {};
  if (d.allow) rulesJson.allow = d.allow;
  if (d.deny) rulesJson.deny = d.deny;
  return {
    id,
    organizationId: d.organizationId,
    environmentId: d.environmentId,
    name: `Policy ${i}`,
    version: 1,
    isActive: d.isActive,
    rulesJson,
    rules: d.rules.map((r, j) => ({ id: `${id}-r${scramble(j + 3)}`, ...r })),
    bindings: d.bindings.map((b, j) => ({ id: `${id}-b${scramble(j + 5)}`, ...b })),
  };
}

const policySet = fc.array(policyDraft, { maxLength: 10 }).map((drafts) => drafts.map(toSource));

const request: fc.Arbitrary<DecisionRequest> = fc.record({
  organizationId: fc.constantFrom('o1', 'o1', 'o1', 'o1', 'o1', 'o2', 'o3'),
  environmentId: fc.constantFrom(null, 'e1', 'e1', 'e2'),
  environmentType: fc.constantFrom(null, 'production', 'staging'),
  subject: fc.record({ agentId: fc.constantFrom(null, 'a1', 'a1', 'a2'), userId: fc.constantFrom(null, 'u1'), roles: fc.subarray(['r1', 'r2']) }),
  action: fc.oneof({ weight: 4, arbitrary: fc.constant('tool.invoke') }, { weight: 1, arbitrary: fc.constantFrom(...ACTIONS) }),
  target: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...TARGETS.filter((t) => t.startsWith('tool:'))) }, { weight: 2, arbitrary: fc.constantFrom(...TARGETS) }),
  targetId: fc.constantFrom(null, 't1', 't2'),
  context: fc.record(
    {
      input: fc.record({ mode: fc.constantFrom('a', 'b'), n: fc.constantFrom(1, 2), nested: fc.record({ k: fc.constantFrom('a', 'b') }), list: fc.array(fc.constantFrom('a', 'b'), { maxLength: 2 }) }, { requiredKeys: [] }),
      now: fc.oneof(
        fc.date({ min: new Date('2026-01-01T00:00:00Z'), max: new Date('2026-12-31T23:59:59Z'), noInvalidDate: true }),
        // On or next to a window edge in one of the zones used (UTC, CET/CEST, EST/EDT, IST).
        fc
          .record({ day: fc.integer({ min: 0, max: 364 }), edge: fc.constantFrom(...HHMM), delta: fc.constantFrom(-1, 0, 1), offset: fc.constantFrom(0, 60, 120, -300, -240, 330) })
          .map(({ day, edge, delta, offset }) => new Date(Date.UTC(2026, 0, 1 + day) + (Number(edge.slice(0, 2)) * 60 + Number(edge.slice(3)) + delta - offset) * 60_000)),
      ),
    },
    { requiredKeys: ['now'] },
  ),
});

const mode = fc.constantFrom<Mode>('call', 'listing');

function shuffle<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

const RUNS = { numRuns: 1500 };

// ---------------------------------------------------------------------------------------------

describe('decide (properties)', () => {
  it('decides as the naive reference does, for many requests against one compiled set', () => {
    fc.assert(
      fc.property(policySet, fc.array(fc.tuple(request, mode), { minLength: 1, maxLength: 6 }), (sources, requests) => {
        const compiled = compilePolicies(sources);
        expect(compiled.problems).toEqual([]);
        for (const [r, m] of requests) {
          const d = decide(compiled, r, { mode: m });
          expect({ decision: d.decision, priority: d.priority, matched: d.matched }).toEqual(refDecide(sources, r, m));
        }
      }),
      RUNS,
    );
  });

  it('never turns a deny into an allow by adding a deny rule, anywhere, at any priority', () => {
    const addition = fc.record({
      into: fc.nat(), // an existing policy (modulo) or, past the end, a new one
      asShortForm: fc.boolean(),
      rule: rule.map((r) => ({ ...r, effect: 'deny' as const })),
      shortForm: fc.constantFrom(...SHORT_FORMS),
      newPolicy: policyDraft,
    });
    fc.assert(
      fc.property(policySet, request, mode, addition, (sources, r, m, add) => {
        const before = decide(compilePolicies(sources), r, { mode: m });
        const index = add.into % (sources.length + 1);
        const next = sources.map((p) => ({ ...p, rules: [...p.rules], rulesJson: { ...p.rulesJson } }));
        if (index === sources.length) next.push(toSource({ ...add.newPolicy, rules: [], allow: null, deny: null }, 999));
        const target = next[index]!;
        if (add.asShortForm) target.rulesJson.deny = [...(target.rulesJson.deny ?? []), add.shortForm];
        else target.rules.push({ id: `${target.id}-added`, ...add.rule });
        const after = decide(compilePolicies(next), r, { mode: m });
        if (before.decision === 'deny') expect(after.decision).toBe('deny');
      }),
      RUNS,
    );
  });

  it('denies everything once all allow rules (rows and short forms) are removed', () => {
    fc.assert(
      fc.property(policySet, request, mode, (sources, r, m) => {
        const withoutAllows = sources.map((p) => ({ ...p, rules: p.rules.filter((x) => x.effect !== 'allow'), rulesJson: { deny: p.rulesJson.deny } }));
        expect(decide(compilePolicies(withoutAllows), r, { mode: m }).decision).toBe('deny');
      }),
      RUNS,
    );
  });

  it('gives the same Decision whatever order policies, rules, bindings and entries come in', () => {
    fc.assert(
      fc.property(policySet, request, mode, fc.integer(), (sources, r, m, seed) => {
        const reordered = shuffle(sources, seed).map((p, i) => ({
          ...p,
          rules: shuffle(p.rules, seed + i + 1),
          bindings: shuffle(p.bindings, seed + i + 2),
          rulesJson: {
            ...(p.rulesJson.allow ? { allow: shuffle(p.rulesJson.allow, seed + i + 3) } : {}),
            ...(p.rulesJson.deny ? { deny: shuffle(p.rulesJson.deny, seed + i + 4) } : {}),
          },
        }));
        expect(decide(compilePolicies(reordered), r, { mode: m })).toEqual(decide(compilePolicies(sources), r, { mode: m }));
      }),
      RUNS,
    );
  });

  it('lists (listing mode) whatever a call would allow', () => {
    fc.assert(
      fc.property(policySet, request, (sources, r) => {
        const compiled = compilePolicies(sources);
        if (decide(compiled, r).decision === 'allow') expect(decide(compiled, r, { mode: 'listing' }).decision).toBe('allow');
      }),
      RUNS,
    );
  });
});
