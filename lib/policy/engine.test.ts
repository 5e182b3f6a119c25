// The truth table of API-NOTES "Policies — one truth table", one row per line of it: default deny,
// short forms, globs, priority, deny at equal priority, environment and organization scope,
// inactive policies, bindings, conditions and listing mode; then the words of the explanations.
import { describe, expect, it } from 'vitest';
import { compilePolicies, decide, shortFormTarget, validateConditions } from './engine';
import type { Decision, DecisionRequest, PolicySource } from './types';

const ORG = 'org-1';
const OTHER_ORG = 'org-2';
const ENV = 'env-prod';
const OTHER_ENV = 'env-dev';

type Rule = PolicySource['rules'][number];
type Binding = PolicySource['bindings'][number];

function policy(id: string, over: Partial<Omit<PolicySource, 'id'>> = {}): PolicySource {
  return { id, organizationId: ORG, environmentId: null, name: `P ${id}`, version: 1, isActive: true, rulesJson: {}, rules: [], bindings: [], ...over };
}
const allow = (id: string, target: string, action = 'tool.invoke', conditions: Record<string, unknown> = {}): Rule => ({ id, action, target, effect: 'allow', conditions });
const deny = (id: string, target: string, action = 'tool.invoke', conditions: Record<string, unknown> = {}): Rule => ({ id, action, target, effect: 'deny', conditions });
const bind = (id: string, scopeType: Binding['scopeType'], scopeId: string, priority = 0): Binding => ({ id, scopeType, scopeId, priority });

function request(over: Partial<DecisionRequest> = {}): DecisionRequest {
  return {
    organizationId: ORG,
    environmentId: ENV,
    environmentType: 'production',
    subject: { agentId: 'agent-1', userId: 'user-1', roles: ['ops'] },
    action: 'tool.invoke',
    target: 'tool:conn/echo',
    targetId: 'tool-echo',
    ...over,
  };
}

type Expected = Partial<Pick<Decision, 'decision' | 'priority'>> & { policy?: string | null; rule?: string | null; binding?: string | null };
type Row = [name: string, policies: PolicySource[], request: Partial<DecisionRequest>, expected: Expected, mode?: 'call' | 'listing'];

const DENY_DEFAULT: Expected = { decision: 'deny', policy: null, rule: null, binding: null, priority: null };
const MAR_4_10AM = new Date('2026-03-04T10:00:00Z');
const MAR_4_8PM = new Date('2026-03-04T20:00:00Z');

const rows: Row[] = [
  // ---- default deny
  ['no policies at all', [], {}, DENY_DEFAULT],
  ['a policy without rules (create-axcore default)', [policy('p')], {}, DENY_DEFAULT],
  ['rules for other targets and actions only', [policy('p', { rules: [allow('r1', 'tool:conn/other'), allow('r2', 'tool:conn/echo', 'resource.read')], rulesJson: { allow: ['other'] } })], {}, DENY_DEFAULT],
  ['an allow of another organization', [policy('p', { organizationId: OTHER_ORG, rules: [allow('r', '*', '*')] })], {}, DENY_DEFAULT],
  ['a request of an organization without policies', [policy('p', { rules: [allow('r', '*', '*')] })], { organizationId: OTHER_ORG }, DENY_DEFAULT],

  // ---- short form
  ['short form "echo" on conn/echo', [policy('p', { rulesJson: { allow: ['echo'] } })], {}, { decision: 'allow', policy: 'p', rule: null, binding: null, priority: 0 }],
  ['short form "echo" matches any connection', [policy('p', { rulesJson: { allow: ['echo'] } })], { target: 'tool:other/echo' }, { decision: 'allow', policy: 'p' }],
  ['short form "echo" is not a prefix', [policy('p', { rulesJson: { allow: ['echo'] } })], { target: 'tool:conn/echo2' }, DENY_DEFAULT],
  ['short form "conn/echo"', [policy('p', { rulesJson: { allow: ['conn/echo'] } })], {}, { decision: 'allow', policy: 'p', rule: null }],
  ['short form "conn/echo" is only that connection', [policy('p', { rulesJson: { allow: ['conn/echo'] } })], { target: 'tool:other/echo' }, DENY_DEFAULT],
  ['short form "conn/*"', [policy('p', { rulesJson: { allow: ['conn/*'] } })], { target: 'tool:conn/anything' }, { decision: 'allow' }],
  ['short form "conn/*" is not conn2', [policy('p', { rulesJson: { allow: ['conn/*'] } })], { target: 'tool:conn2/echo' }, DENY_DEFAULT],
  ['short form "*" allows every tool', [policy('p', { rulesJson: { allow: ['*'] } })], { target: 'tool:x/y' }, { decision: 'allow' }],
  ['short form "e*o" (glob in the name)', [policy('p', { rulesJson: { allow: ['e*o'] } })], {}, { decision: 'allow' }],
  ['short form is tool.invoke only', [policy('p', { rulesJson: { allow: ['*'] } })], { action: 'resource.read', target: 'tool:conn/echo' }, DENY_DEFAULT],
  ['short form "*" is tools only', [policy('p', { rulesJson: { allow: ['*'] } })], { target: 'resource:docs/a.md' }, DENY_DEFAULT],
  ['short-form deny beats short-form allow in one policy', [policy('p', { rulesJson: { allow: ['*'], deny: ['echo'] } })], {}, { decision: 'deny', policy: 'p', rule: null }],
  ['short-form deny leaves other tools allowed', [policy('p', { rulesJson: { allow: ['*'], deny: ['echo'] } })], { target: 'tool:conn/add' }, { decision: 'allow' }],

  // ---- globs in rules
  ['rule target "tool:conn/*"', [policy('p', { rules: [allow('r', 'tool:conn/*')] })], {}, { decision: 'allow', rule: 'r' }],
  ['rule target "tool:*/echo"', [policy('p', { rules: [allow('r', 'tool:*/echo')] })], { target: 'tool:zzz/echo' }, { decision: 'allow', rule: 'r' }],
  ['rule target "*" and action "*"', [policy('p', { rules: [allow('r', '*', '*')] })], { action: 'resource.read', target: 'resource:docs/a.md' }, { decision: 'allow', rule: 'r' }],
  ['rule action "tool.*"', [policy('p', { rules: [allow('r', '*', 'tool.*')] })], {}, { decision: 'allow', rule: 'r' }],
  ['rule action "tool.*" is not resource.read', [policy('p', { rules: [allow('r', '*', 'tool.*')] })], { action: 'resource.read', target: 'resource:docs/a.md' }, DENY_DEFAULT],
  ['rule action "*.read"', [policy('p', { rules: [allow('r', 'resource:docs/*', '*.read')] })], { action: 'resource.read', target: 'resource:docs/file:///a.md' }, { decision: 'allow' }],
  ['"*" spans slashes', [policy('p', { rules: [allow('r', 'resource:docs/*.md', 'resource.read')] })], { action: 'resource.read', target: 'resource:docs/file:///x/y.md' }, { decision: 'allow' }],
  ['prompt targets', [policy('p', { rules: [allow('r', 'prompt:ev/*', 'prompt.get')] })], { action: 'prompt.get', target: 'prompt:ev/simple' }, { decision: 'allow' }],
  ['agent.invoke', [policy('p', { rules: [allow('r', 'agent:*', 'agent.invoke')] })], { action: 'agent.invoke', target: 'agent:helper' }, { decision: 'allow' }],
  ['targets are case-sensitive', [policy('p', { rules: [allow('r', 'tool:Conn/echo')] })], {}, DENY_DEFAULT],
  ['actions are case-sensitive', [policy('p', { rules: [allow('r', '*', 'Tool.invoke')] })], {}, DENY_DEFAULT],
  ['without "*" a target is exact', [policy('p', { rules: [allow('r', 'tool:conn/ech')] })], {}, DENY_DEFAULT],
  ['regex metacharacters are literal', [policy('p', { rules: [allow('r', 'tool:c.nn/*')] })], {}, DENY_DEFAULT],
  ['a glob deny beats an exact allow at the same level', [policy('p', { rules: [allow('r1', 'tool:conn/echo'), deny('r2', 'tool:conn/*')] })], {}, { decision: 'deny', rule: 'r2' }],

  // ---- priority
  [
    'a higher-priority allow beats a lower deny',
    [policy('low', { rules: [deny('d', 'tool:conn/*')] }), policy('high', { rules: [allow('a', 'tool:conn/echo')], bindings: [bind('b', 'org', ORG, 10)] })],
    {},
    { decision: 'allow', policy: 'high', rule: 'a', binding: 'b', priority: 10 },
  ],
  [
    'a higher-priority deny beats a lower allow',
    [policy('low', { rules: [allow('a', 'tool:conn/*')] }), policy('high', { rules: [deny('d', 'tool:conn/echo')], bindings: [bind('b', 'agent', 'agent-1', 10)] })],
    {},
    { decision: 'deny', policy: 'high', rule: 'd', binding: 'b', priority: 10 },
  ],
  ['deny wins at equal priority (two unbound policies)', [policy('pa', { rules: [allow('a', 'tool:conn/echo')] }), policy('pd', { rules: [deny('d', 'tool:*/echo')] })], {}, { decision: 'deny', policy: 'pd', rule: 'd', priority: 0 }],
  [
    'deny wins at equal priority (bound at the same priority)',
    [policy('pa', { rules: [allow('a', '*', '*')], bindings: [bind('b1', 'role', 'ops', 7)] }), policy('pd', { rules: [deny('d', 'tool:conn/echo')], bindings: [bind('b2', 'agent', 'agent-1', 7)] })],
    {},
    { decision: 'deny', policy: 'pd', binding: 'b2', priority: 7 },
  ],
  ['a negative priority loses to an unbound policy', [policy('neg', { rules: [deny('d', '*', '*')], bindings: [bind('b', 'org', ORG, -5)] }), policy('p', { rulesJson: { allow: ['echo'] } })], {}, { decision: 'allow', policy: 'p', priority: 0 }],
  ['a negative priority still decides when alone', [policy('neg', { rules: [allow('a', '*', '*')], bindings: [bind('b', 'org', ORG, -5)] })], {}, { decision: 'allow', priority: -5 }],
  [
    'priority is the highest matching binding, non-matching ones do not count',
    [
      policy('p', { rules: [allow('a', 'tool:conn/*')], bindings: [bind('b-agent', 'agent', 'agent-1', 5), bind('b-role', 'role', 'ops', 20), bind('b-other', 'agent', 'agent-2', 100)] }),
      policy('q', { rules: [deny('d', 'tool:conn/*')], bindings: [bind('bq', 'org', ORG, 15)] }),
    ],
    {},
    { decision: 'allow', policy: 'p', binding: 'b-role', priority: 20 },
  ],
  [
    'a higher-priority policy whose rules do not match leaves the decision to lower levels',
    [policy('high', { rules: [deny('d', 'tool:conn/other')], bindings: [bind('b', 'org', ORG, 50)] }), policy('low', { rulesJson: { allow: ['echo'] } })],
    {},
    { decision: 'allow', policy: 'low', priority: 0 },
  ],
  [
    'a higher-priority rule whose conditions fail leaves the decision to lower levels',
    [policy('high', { rules: [deny('d', 'tool:conn/echo', 'tool.invoke', { environment_type: 'staging' })], bindings: [bind('b', 'org', ORG, 50)] }), policy('low', { rulesJson: { allow: ['echo'] } })],
    {},
    { decision: 'allow', policy: 'low' },
  ],

  // ---- environments and organizations
  ['an environment-specific deny beats an organization-wide allow at equal priority', [policy('org-wide', { rulesJson: { allow: ['*'] } }), policy('env', { environmentId: ENV, rulesJson: { deny: ['echo'] } })], {}, { decision: 'deny', policy: 'env' }],
  [
    'an environment-specific deny bound to its environment at a higher priority',
    [policy('org-wide', { rules: [allow('a', '*', '*')], bindings: [bind('bo', 'org', ORG, 5)] }), policy('env', { environmentId: ENV, rules: [deny('d', 'tool:conn/*')], bindings: [bind('be', 'env', ENV, 10)] })],
    {},
    { decision: 'deny', policy: 'env', binding: 'be', priority: 10 },
  ],
  ['a policy of another environment never applies', [policy('dev', { environmentId: OTHER_ENV, rulesJson: { allow: ['*'] } })], {}, DENY_DEFAULT],
  ['a deny of another environment never applies', [policy('p', { rulesJson: { allow: ['*'] } }), policy('dev', { environmentId: OTHER_ENV, rulesJson: { deny: ['*'] } })], {}, { decision: 'allow', policy: 'p' }],
  ['a request without environment: environment-specific policies do not apply', [policy('env', { environmentId: ENV, rulesJson: { allow: ['*'] } })], { environmentId: null }, DENY_DEFAULT],
  ['a request without environment: organization-wide policies apply', [policy('p', { rulesJson: { allow: ['*'] } })], { environmentId: null }, { decision: 'allow' }],
  ['a policy of another organization never applies, even bound to the agent', [policy('p', { organizationId: OTHER_ORG, rulesJson: { allow: ['*'] }, bindings: [bind('b', 'agent', 'agent-1', 99)] })], {}, DENY_DEFAULT],
  ['a deny of another organization never applies', [policy('p', { rulesJson: { allow: ['*'] } }), policy('x', { organizationId: OTHER_ORG, rulesJson: { deny: ['*'] } })], {}, { decision: 'allow' }],

  // ---- inactive
  ['an inactive allow is ignored', [policy('p', { isActive: false, rulesJson: { allow: ['*'] } })], {}, DENY_DEFAULT],
  ['an inactive deny is ignored', [policy('p', { rulesJson: { allow: ['*'] } }), policy('off', { isActive: false, rulesJson: { deny: ['*'] } })], {}, { decision: 'allow', policy: 'p' }],

  // ---- bindings
  ['bound to another agent: not applicable', [policy('p', { rulesJson: { allow: ['*'] }, bindings: [bind('b', 'agent', 'agent-2')] })], {}, DENY_DEFAULT],
  ['bound to the agent', [policy('p', { rulesJson: { allow: ['*'] }, bindings: [bind('b', 'agent', 'agent-1')] })], {}, { decision: 'allow', binding: 'b', priority: 0 }],
  ['a deny bound to another agent does not apply', [policy('p', { rulesJson: { allow: ['*'] } }), policy('q', { rulesJson: { deny: ['*'] }, bindings: [bind('b', 'agent', 'agent-2', 100)] })], {}, { decision: 'allow', policy: 'p' }],
  ['an agent binding does not match a service account with that id', [policy('p', { rulesJson: { allow: ['*'] }, bindings: [bind('b', 'agent', 'sa-1')] })], { subject: { serviceAccountId: 'sa-1' } }, DENY_DEFAULT],
  ['an agent binding does not match a request without agent', [policy('p', { rulesJson: { allow: ['*'] }, bindings: [bind('b', 'agent', '')] })], { subject: { agentId: '' } }, DENY_DEFAULT],
  ['role binding: the subject has the role', [policy('p', { rulesJson: { allow: ['*'] }, bindings: [bind('b', 'role', 'ops')] })], {}, { decision: 'allow', binding: 'b' }],
  ['role binding: the subject lacks the role', [policy('p', { rulesJson: { allow: ['*'] }, bindings: [bind('b', 'role', 'admin')] })], {}, DENY_DEFAULT],
  ['role binding: the subject has no roles', [policy('p', { rulesJson: { allow: ['*'] }, bindings: [bind('b', 'role', 'ops')] })], { subject: { agentId: 'agent-1' } }, DENY_DEFAULT],
  ['user binding', [policy('p', { rulesJson: { allow: ['*'] }, bindings: [bind('b', 'user', 'user-1')] })], {}, { decision: 'allow', binding: 'b' }],
  ['user binding of another user', [policy('p', { rulesJson: { allow: ['*'] }, bindings: [bind('b', 'user', 'user-2')] })], {}, DENY_DEFAULT],
  ['tool binding by target id', [policy('p', { rulesJson: { allow: ['*'] }, bindings: [bind('b', 'tool', 'tool-echo')] })], {}, { decision: 'allow', binding: 'b' }],
  ['tool binding of another tool', [policy('p', { rulesJson: { allow: ['*'] }, bindings: [bind('b', 'tool', 'tool-add')] })], {}, DENY_DEFAULT],
  ['tool binding without a target id', [policy('p', { rulesJson: { allow: ['*'] }, bindings: [bind('b', 'tool', 'tool-echo')] })], { targetId: null }, DENY_DEFAULT],
  ['tool binding matches the id, not the name', [policy('p', { rulesJson: { allow: ['*'] }, bindings: [bind('b', 'tool', 'conn/echo')] })], {}, DENY_DEFAULT],
  ...(['docs', 'docs/', 'docs/file:///', 'docs/*.md', 'd*'] as const).map((ns): Row => [
    `resource_ns binding "${ns}" matches`,
    [policy('p', { rules: [allow('r', 'resource:*', 'resource.read')], bindings: [bind('b', 'resource_ns', ns)] })],
    { action: 'resource.read', target: 'resource:docs/file:///a.md' },
    { decision: 'allow', binding: 'b' },
  ]),
  ...(['other/', 'resource:docs', '*.txt', 'ocs'] as const).map((ns): Row => [
    `resource_ns binding "${ns}" does not match`,
    [policy('p', { rules: [allow('r', 'resource:*', 'resource.read')], bindings: [bind('b', 'resource_ns', ns)] })],
    { action: 'resource.read', target: 'resource:docs/file:///a.md' },
    DENY_DEFAULT,
  ]),
  ['org binding to the organization', [policy('p', { rulesJson: { allow: ['*'] }, bindings: [bind('b', 'org', ORG, 3)] })], {}, { decision: 'allow', binding: 'b', priority: 3 }],
  ['org binding to another organization', [policy('p', { rulesJson: { allow: ['*'] }, bindings: [bind('b', 'org', OTHER_ORG, 3)] })], {}, DENY_DEFAULT],
  ['env binding to the environment', [policy('p', { rulesJson: { allow: ['*'] }, bindings: [bind('b', 'env', ENV, 4)] })], {}, { decision: 'allow', binding: 'b', priority: 4 }],
  ['env binding to another environment', [policy('p', { rulesJson: { allow: ['*'] }, bindings: [bind('b', 'env', OTHER_ENV, 4)] })], {}, DENY_DEFAULT],
  ['env binding, request without environment', [policy('p', { rulesJson: { allow: ['*'] }, bindings: [bind('b', 'env', ENV, 4)] })], { environmentId: null }, DENY_DEFAULT],
  ['any one matching binding suffices', [policy('p', { rulesJson: { allow: ['*'] }, bindings: [bind('b1', 'agent', 'agent-2', 9), bind('b2', 'user', 'user-1', 1), bind('b3', 'role', 'admin', 9)] })], {}, { decision: 'allow', binding: 'b2', priority: 1 }],
  ['equal binding priorities report the smallest binding id', [policy('p', { rulesJson: { allow: ['*'] }, bindings: [bind('bz', 'agent', 'agent-1', 2), bind('ba', 'role', 'ops', 2)] })], {}, { decision: 'allow', binding: 'ba', priority: 2 }],
  ['a binding of unknown type never matches', [policy('p', { rulesJson: { allow: ['*'] }, bindings: [bind('b', 'team' as Binding['scopeType'], 'agent-1')] })], {}, DENY_DEFAULT],

  // ---- conditions
  ['environment_type holds', [policy('p', { rules: [allow('r', '*', '*', { environment_type: 'production' })] })], {}, { decision: 'allow' }],
  ['environment_type fails', [policy('p', { rules: [allow('r', '*', '*', { environment_type: 'production' })] })], { environmentType: 'staging' }, DENY_DEFAULT],
  ['environment_type without a type', [policy('p', { rules: [allow('r', '*', '*', { environment_type: ['production'] })] })], { environmentType: null }, DENY_DEFAULT],
  ['input condition holds', [policy('p', { rules: [allow('r', '*', '*', { input: { mode: 'safe' } })] })], { context: { input: { mode: 'safe' } } }, { decision: 'allow' }],
  ['input condition fails', [policy('p', { rules: [allow('r', '*', '*', { input: { mode: 'safe' } })] })], { context: { input: { mode: 'rm -rf' } } }, DENY_DEFAULT],
  ['input condition without input', [policy('p', { rules: [allow('r', '*', '*', { input: { mode: 'safe' } })] })], {}, DENY_DEFAULT],
  [
    'a conditional deny whose condition holds',
    [policy('p', { rulesJson: { allow: ['*'] }, rules: [deny('d', 'tool:conn/*', 'tool.invoke', { input: { path: { in: ['/etc', '/root'] } } })] })],
    { context: { input: { path: '/etc' } } },
    { decision: 'deny', rule: 'd' },
  ],
  [
    'a conditional deny whose condition fails',
    [policy('p', { rulesJson: { allow: ['*'] }, rules: [deny('d', 'tool:conn/*', 'tool.invoke', { input: { path: { in: ['/etc', '/root'] } } })] })],
    { context: { input: { path: '/tmp' } } },
    { decision: 'allow', rule: null },
  ],
  ['a time-window deny inside the window', [policy('p', { rulesJson: { allow: ['*'] }, rules: [deny('d', '*', '*', { time_window: { start: '18:00', end: '08:00' } })] })], { context: { now: MAR_4_8PM } }, { decision: 'deny', rule: 'd' }],
  ['a time-window deny outside the window', [policy('p', { rulesJson: { allow: ['*'] }, rules: [deny('d', '*', '*', { time_window: { start: '18:00', end: '08:00' } })] })], { context: { now: MAR_4_10AM } }, { decision: 'allow' }],
  ['a time-window allow on the wrong day', [policy('p', { rules: [allow('a', '*', '*', { time_window: { start: '00:00', end: '00:00', days: ['sat', 'sun'] } })] })], { context: { now: MAR_4_10AM } }, DENY_DEFAULT],
  ['all conditions of a rule must hold', [policy('p', { rules: [allow('a', '*', '*', { environment_type: 'production', input: { ok: true } })] })], { context: { input: { ok: false } } }, DENY_DEFAULT],

  // ---- listing mode
  ['listing: an allow whose input condition fails still lists', [policy('p', { rules: [allow('a', '*', '*', { input: { mode: 'safe' } })] })], {}, { decision: 'allow', rule: 'a' }, 'listing'],
  ['listing: a conditional deny never hides', [policy('p', { rulesJson: { allow: ['*'] }, rules: [deny('d', '*', '*', { input: { path: { exists: false } } })] })], {}, { decision: 'allow', rule: null }, 'listing'],
  ['call: the same conditional deny denies', [policy('p', { rulesJson: { allow: ['*'] }, rules: [deny('d', '*', '*', { input: { path: { exists: false } } })] })], {}, { decision: 'deny', rule: 'd' }],
  ['listing: an unconditional deny still hides', [policy('p', { rulesJson: { allow: ['*'], deny: ['echo'] } })], {}, { decision: 'deny' }, 'listing'],
  ['listing: environment_type still applies to an allow', [policy('p', { rules: [allow('a', '*', '*', { input: { x: 1 }, environment_type: 'staging' })] })], {}, DENY_DEFAULT, 'listing'],
  ['listing: a deny with input and environment_type is out', [policy('p', { rulesJson: { allow: ['*'] }, rules: [deny('d', '*', '*', { input: { x: 1 }, environment_type: 'production' })] })], { context: { input: { x: 1 } } }, { decision: 'allow' }, 'listing'],
  ['listing: a deny without input conditions applies normally', [policy('p', { rulesJson: { allow: ['*'] }, rules: [deny('d', '*', '*', { environment_type: 'production' })] })], {}, { decision: 'deny', rule: 'd' }, 'listing'],
  ['listing: bindings still apply', [policy('p', { rules: [allow('a', '*', '*', { input: { x: 1 } })], bindings: [bind('b', 'agent', 'agent-2')] })], {}, DENY_DEFAULT, 'listing'],
  [
    'listing: a conditional allow at a higher level lists over a lower deny',
    [policy('high', { rules: [allow('a', '*', '*', { input: { x: 1 } })], bindings: [bind('b', 'org', ORG, 5)] }), policy('low', { rulesJson: { deny: ['*'] } })],
    {},
    { decision: 'allow', policy: 'high', priority: 5 },
    'listing',
  ],

  // ---- which rule is reported
  ['of two allowing policies the smaller id is reported', [policy('pb', { rulesJson: { allow: ['*'] } }), policy('pa', { rulesJson: { allow: ['echo'] } })], {}, { decision: 'allow', policy: 'pa' }],
  ['rule rows before short forms, rows by id', [policy('p', { rulesJson: { allow: ['*'] }, rules: [allow('r2', 'tool:conn/echo'), allow('r1', 'tool:*')] })], {}, { decision: 'allow', rule: 'r1' }],
];

describe('decide: the truth table', () => {
  it.each(rows)('%s', (_name, policies, over, expected, mode) => {
    const d = decide(compilePolicies(policies), request(over), { mode });
    const got: Expected = { decision: d.decision, priority: d.priority, policy: d.matched.policy_id, rule: d.matched.rule_id, binding: d.matched.binding_id };
    expect(got).toMatchObject(expected);
    if (d.matched.policy_id === null) {
      expect(d.decision).toBe('deny');
      expect(d.reason).toBe(`No policy explicitly allows ${request(over).action} on ${request(over).target}`);
    }
  });
});

describe('decide: reasons and explanations', () => {
  it('explains a deny by a rule row with its binding', () => {
    const compiled = compilePolicies([
      policy('p-org', { name: 'Everyone', rules: [allow('r-allow', 'tool:ev/*')] }),
      policy('p-env', { name: 'Prod lockdown', environmentId: ENV, rules: [deny('r-deny', 'tool:ev/get-env')], bindings: [bind('b-env', 'env', ENV, 10)] }),
    ]);
    const d = decide(compiled, request({ target: 'tool:ev/get-env' }));
    expect(d).toEqual({
      decision: 'deny',
      reason: 'Denied by policy "Prod lockdown"',
      matched: { policy_id: 'p-env', rule_id: 'r-deny', binding_id: 'b-env' },
      explanation: 'denied: rule r-deny of policy "Prod lockdown" (priority 10) denies tool.invoke on tool:ev/get-env; applies through env binding b-env',
      priority: 10,
    });
  });

  it('explains a short-form allow of an unbound policy', () => {
    const d = decide(compilePolicies([policy('p', { name: 'Default', rulesJson: { allow: ['echo'] } })]), request());
    expect(d).toEqual({
      decision: 'allow',
      reason: 'Allowed by policy "Default"',
      matched: { policy_id: 'p', rule_id: null, binding_id: null },
      explanation: 'allowed: short-form allow "echo" of policy "Default" (priority 0) allows tool.invoke on tool:conn/echo; policy has no bindings',
      priority: 0,
    });
  });

  it('names the allow a deny beat at the same priority', () => {
    const d = decide(compilePolicies([policy('a', { name: 'Open', rules: [allow('r1', '*', '*')] }), policy('b', { name: 'Closed', rulesJson: { deny: ['conn/*'] } })]), request());
    expect(d.explanation).toBe(
      'denied: short-form deny "conn/*" of policy "Closed" (priority 0) denies tool.invoke on tool:conn/echo; policy has no bindings; the deny beats rule r1 of policy "Open" allowing at the same priority',
    );
  });

  it('explains the default deny, and says when input conditions were left out', () => {
    const compiled = compilePolicies([]);
    expect(decide(compiled, request())).toEqual({
      decision: 'deny',
      reason: 'No policy explicitly allows tool.invoke on tool:conn/echo',
      matched: { policy_id: null, rule_id: null, binding_id: null },
      explanation: 'denied by default: no rule of an applicable policy matches tool.invoke on tool:conn/echo with its conditions holding',
      priority: null,
    });
    expect(decide(compiled, request(), { mode: 'listing' }).explanation).toMatch(/; listing mode: input conditions not evaluated$/);
    expect(decide(compilePolicies([policy('p', { rulesJson: { allow: ['*'] } })]), request(), { mode: 'listing' }).explanation).toMatch(/listing mode/);
  });

  it('quotes policy names safely', () => {
    const d = decide(compilePolicies([policy('p', { name: 'say "hi"', rulesJson: { allow: ['*'] } })]), request());
    expect(d.reason).toBe('Allowed by policy "say \\"hi\\""');
  });
});

describe('compilePolicies', () => {
  it('counts active policies and their rules, rows and short forms', () => {
    const c = compilePolicies([policy('a', { rules: [allow('r', '*')], rulesJson: { allow: ['x', 'y'], deny: ['z'] } }), policy('b', { isActive: false, rulesJson: { allow: ['*'] } })]);
    expect(c.policyCount).toBe(1);
    expect(c.ruleCount).toBe(4);
    expect(c.problems).toEqual([]);
  });

  it('fails closed on data it cannot use, and says so', () => {
    const bad = { time_window: { start: 'noon', end: '18:00' } };
    const c = compilePolicies([
      policy('p', {
        rules: [allow('bad-allow', 'tool:conn/*', 'tool.invoke', bad), deny('bad-deny', 'tool:conn/add', 'tool.invoke', bad), { ...allow('odd', 'tool:conn/odd'), effect: 'maybe' as 'allow' }],
        rulesJson: { allow: ['echo', 42 as unknown as string], deny: 'nope' as unknown as string[] },
      }),
    ]);
    expect(c.problems.map((p) => [p.ruleId, p.message])).toEqual([
      ['bad-allow', expect.stringContaining('skipped')],
      ['bad-deny', expect.stringContaining('unconditionally')],
      ['odd', expect.stringContaining('treated as deny')],
      [null, expect.stringContaining('not a string')],
      [null, expect.stringContaining('not an array')],
    ]);
    expect(c.problems[0]?.issues).toEqual([expect.objectContaining({ path: 'time_window.start' })]);
    expect(decide(c, request({ target: 'tool:conn/other' })).decision).toBe('deny'); // the broken allow is gone
    expect(decide(c, request({ target: 'tool:conn/add' })).matched.rule_id).toBe('bad-deny'); // the broken deny always denies
    expect(decide(c, request({ target: 'tool:conn/odd' })).matched.rule_id).toBe('odd');
    expect(decide(c, request()).decision).toBe('allow'); // "echo" still works
  });

  it('answers many requests from one compiled set without carrying state between them', () => {
    const c = compilePolicies([
      policy('agent-1-only', { rulesJson: { allow: ['*'] }, bindings: [bind('b1', 'agent', 'agent-1', 1)] }),
      policy('agent-2-deny', { rulesJson: { deny: ['echo'] }, bindings: [bind('b2', 'agent', 'agent-2', 1)] }),
      policy('agent-2-allow', { rulesJson: { allow: ['add'] }, bindings: [bind('b3', 'agent', 'agent-2', 1)] }),
    ]);
    const as = (agentId: string, target = 'tool:conn/echo') => decide(c, request({ subject: { agentId }, target })).decision;
    for (let i = 0; i < 3; i++) {
      expect(as('agent-1')).toBe('allow');
      expect(as('agent-2')).toBe('deny');
      expect(as('agent-2', 'tool:conn/add')).toBe('allow');
      expect(as('agent-3')).toBe('deny');
    }
  });

  it('reads the clock only when a time window needs it', () => {
    const c = compilePolicies([policy('p', { rules: [allow('a', '*', '*', { time_window: { start: '00:00', end: '00:00' } })] })]);
    expect(decide(c, request()).decision).toBe('allow');
  });
});

describe('helpers', () => {
  it('maps short-form entries to targets', () => {
    expect(shortFormTarget('echo')).toBe('tool:*/echo');
    expect(shortFormTarget('conn/echo')).toBe('tool:conn/echo');
    expect(shortFormTarget('conn/*')).toBe('tool:conn/*');
    expect(shortFormTarget('*')).toBe('tool:*/*');
  });

  it('re-exports validateConditions for the write path', () => {
    expect(validateConditions({ environment_type: 'production' })).toEqual({ ok: true });
    expect(validateConditions({ nope: 1 })).toMatchObject({ ok: false, issues: [{ path: 'nope' }] });
  });
});
