// Policy decision latency: median and p99 of one decide() (lib/policy/engine.ts) at 10, 100 and
// 1,000 rules, for a request that is allowed, one denied by a rule and one denied by default;
// side by side with Cedar (@cedar-policy/cedar-wasm, nodejs build) on the same rules translated
// to permit/forbid with `like` patterns on a `target` attribute of the resource. Prints figures,
// asserts nothing.
//
//   npx tsx bench/policy-decision.ts
//
// Optional: BENCH_ITERATIONS (timed calls per case for our engine, default 200000),
// BENCH_CEDAR_ITERATIONS (default 20000), BENCH_SIZES (default 10,100,1000).
//
// The mix per size: ~70% exact tool targets, ~15% `conn/*` globs, ~5% `*/name` globs, ~10% denies,
// ~5% with conditions (environment_type, input); a quarter of the policies unbound, the rest bound
// to agents (mostly other agents), roles or the organization. Cedar has no priorities (a forbid
// always wins), so the generator puts every deny in a policy bound above any allow; with that the
// two engines must agree, and the run checks that they do on the three requests and on random
// ones before timing anything.
import { createRequire } from 'node:module';
import os from 'node:os';
import type { AuthorizationCall } from '@cedar-policy/cedar-wasm/nodejs';
import { compilePolicies, decide } from '@/lib/policy/engine';
import type { DecisionRequest, PolicySource } from '@/lib/policy/types';

type Cedar = typeof import('@cedar-policy/cedar-wasm/nodejs');
const cedar = createRequire(import.meta.url)('@cedar-policy/cedar-wasm/nodejs') as Cedar;

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 200_000);
const CEDAR_ITERATIONS = Number(process.env.BENCH_CEDAR_ITERATIONS ?? 20_000);
const SIZES = (process.env.BENCH_SIZES ?? '10,100,1000').split(',').map(Number);

const ORG = 'org-bench';
const ENV = 'env-prod';
const AGENT = 'agent-main';
const ROLE = 'ops';

/** Deterministic PRNG (mulberry32): the same policy set on every run. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Scenario = { sources: PolicySource[]; rules: number; requests: { label: string; request: DecisionRequest }[] };

function buildScenario(ruleCount: number): Scenario {
  const random = prng(ruleCount);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const connections = Math.max(2, Math.round(ruleCount / 20));
  const conn = () => `conn_${Math.floor(random() * connections)}`;
  const toolName = () => `tool_${Math.floor(random() * 40)}`;
  const sources: PolicySource[] = [];
  let rules = 0;

  // The rules the three requests hit, present at every size: an exact allow through a role
  // binding, a connection-wide allow, and a deny of one tool of that connection bound above.
  sources.push({
    id: 'p-baseline',
    organizationId: ORG,
    environmentId: null,
    name: 'Baseline',
    version: 1,
    isActive: true,
    rulesJson: {},
    rules: [
      { id: 'r-allow-exact', action: 'tool.invoke', target: 'tool:conn_0/tool_1', effect: 'allow', conditions: {} },
      { id: 'r-allow-conn', action: 'tool.invoke', target: 'tool:conn_0/*', effect: 'allow', conditions: {} },
    ],
    bindings: [{ id: 'b-role', scopeType: 'role', scopeId: ROLE, priority: 10 }],
  });
  sources.push({
    id: 'p-guardrails',
    organizationId: ORG,
    environmentId: null,
    name: 'Guardrails',
    version: 1,
    isActive: true,
    rulesJson: {},
    rules: [{ id: 'r-deny', action: 'tool.invoke', target: 'tool:conn_0/delete_everything', effect: 'deny', conditions: {} }],
    bindings: [{ id: 'b-org-100', scopeType: 'org', scopeId: ORG, priority: 100 }],
  });
  rules += 3;

  for (let p = 0; rules < ruleCount; p++) {
    const denyPolicy = p % 8 === 7;
    const kind = p % 4;
    const bindings: PolicySource['bindings'] = [];
    const bindingPriority = denyPolicy ? 100 : pick([0, 0, 5, 10]);
    if (kind === 1) bindings.push({ id: `b${p}`, scopeType: 'agent', scopeId: random() < 0.2 ? AGENT : `agent-${Math.floor(random() * 50)}`, priority: bindingPriority });
    if (kind === 2) bindings.push({ id: `b${p}`, scopeType: 'role', scopeId: pick([ROLE, 'support', 'finance', 'research']), priority: bindingPriority });
    if (kind === 3 || (denyPolicy && kind === 0)) bindings.push({ id: `b${p}`, scopeType: 'org', scopeId: ORG, priority: bindingPriority });
    const policy: PolicySource = {
      id: `p${p}`,
      organizationId: ORG,
      environmentId: random() < 0.1 ? ENV : null,
      name: `Policy ${p}`,
      version: 1,
      isActive: true,
      rulesJson: {},
      rules: [],
      bindings,
    };
    const size = Math.min(ruleCount - rules, 5 + Math.floor(random() * 10));
    for (let i = 0; i < size; i++) {
      const x = random();
      const target = x < 0.78 ? `tool:${conn()}/${toolName()}` : x < 0.94 ? `tool:${conn()}/*` : `tool:*/${toolName()}`;
      const c = random();
      const conditions: Record<string, unknown> = c < 0.03 ? { environment_type: pick(['production', ['staging', 'production']]) } : c < 0.06 ? { input: { mode: pick(['read', 'write']) } } : {};
      policy.rules.push({ id: `r${p}-${i}`, action: 'tool.invoke', target, effect: denyPolicy ? 'deny' : 'allow', conditions });
    }
    rules += size;
    sources.push(policy);
  }

  const base = {
    organizationId: ORG,
    environmentId: ENV,
    environmentType: 'production',
    subject: { agentId: AGENT, roles: [ROLE] },
    action: 'tool.invoke',
    context: { input: { mode: 'read', path: '/tmp/x' } },
  } satisfies Omit<DecisionRequest, 'target'>;
  return {
    sources,
    rules,
    requests: [
      { label: 'allow', request: { ...base, target: 'tool:conn_0/tool_1', targetId: 'tool-uuid-1' } },
      { label: 'deny (rule)', request: { ...base, target: 'tool:conn_0/delete_everything', targetId: 'tool-uuid-2' } },
      { label: 'deny (default)', request: { ...base, target: 'tool:nowhere/not_a_tool', targetId: 'tool-uuid-3' } },
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// Cedar translation: one Cedar policy per rule; bindings and environment scope become conditions.

const cedarString = (s: string) => JSON.stringify(s); // Cedar string literals use the same escapes
const cedarPattern = (glob: string) => `"${glob.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`; // `*` stays a wildcard

function toCedar(sources: PolicySource[]): string {
  const out: string[] = [];
  for (const p of sources) {
    if (!p.isActive) continue;
    const scope: string[] = [];
    let principal = 'principal';
    if (p.environmentId) scope.push(`context.env == ${cedarString(p.environmentId)}`);
    const only = p.bindings.length === 1 ? p.bindings[0] : undefined;
    if (only?.scopeType === 'agent') {
      principal = `principal == Agent::${cedarString(only.scopeId)}`; // in the head, where Cedar can use it
    } else if (only?.scopeType === 'role') {
      principal = `principal in Role::${cedarString(only.scopeId)}`;
    } else if (p.bindings.length > 0) {
      const alternatives = p.bindings.map((b) => {
        switch (b.scopeType) {
          case 'agent':
            return `principal == Agent::${cedarString(b.scopeId)}`;
          case 'role':
            return `principal in Role::${cedarString(b.scopeId)}`;
          case 'org':
            return `context.org == ${cedarString(b.scopeId)}`;
          case 'env':
            return `context.env == ${cedarString(b.scopeId)}`;
          default:
            throw new Error(`binding ${b.scopeType} not translated in this bench`);
        }
      });
      scope.push(`(${alternatives.join(' || ')})`);
    }
    for (const r of p.rules) {
      const when = [...scope, `resource.target like ${cedarPattern(r.target)}`];
      const c = r.conditions as { environment_type?: string | string[]; input?: Record<string, string> };
      if (c.environment_type !== undefined) {
        const types = ([] as string[]).concat(c.environment_type);
        when.push(`[${types.map(cedarString).join(', ')}].contains(context.environmentType)`);
      }
      for (const [key, value] of Object.entries(c.input ?? {})) when.push(`context.input has ${key} && context.input.${key} == ${cedarString(value)}`);
      out.push(`${r.effect === 'deny' ? 'forbid' : 'permit'}(${principal}, action == Action::${cedarString(r.action)}, resource) when { ${when.join(' && ')} };`);
    }
  }
  return out.join('\n');
}

function cedarCall(request: DecisionRequest): Omit<AuthorizationCall, 'policies'> {
  const principal = { type: 'Agent', id: request.subject.agentId ?? 'anonymous' };
  const resource = { type: 'Tool', id: request.target };
  return {
    principal,
    action: { type: 'Action', id: request.action },
    resource,
    context: {
      org: request.organizationId,
      env: request.environmentId ?? '',
      environmentType: request.environmentType ?? '',
      input: request.context?.input as Record<string, string>,
    },
    entities: [
      { uid: principal, attrs: {}, parents: (request.subject.roles ?? []).map((id) => ({ type: 'Role', id })) },
      ...(request.subject.roles ?? []).map((id) => ({ uid: { type: 'Role', id }, attrs: {}, parents: [] })),
      { uid: resource, attrs: { target: request.target }, parents: [] },
    ],
  };
}

function cedarDecision(answer: ReturnType<Cedar['isAuthorized']>): 'allow' | 'deny' {
  if (answer.type !== 'success') throw new Error(`cedar failed: ${JSON.stringify(answer.errors)}`);
  if (answer.response.diagnostics.errors.length > 0) throw new Error(`cedar policy errors: ${JSON.stringify(answer.response.diagnostics.errors[0])}`);
  return answer.response.decision;
}

// ---------------------------------------------------------------------------------------------
// Timing

type Stats = { median: number; p99: number; mean: number; cpu: number };

/** Median cost of an empty timed pair: subtracted from every sample. */
function timerOverhead(): number {
  const n = 200_000;
  const samples = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    samples[i] = Number(process.hrtime.bigint() - t0);
  }
  samples.sort();
  return samples[n >> 1] as number;
}

/** Per-call samples after a warm-up; stops early (but not before 500 samples) when the budget is spent. */
function measure(fn: () => unknown, iterations: number, overhead: number, budgetMs = 10_000): Stats & { samples: number } {
  let sink = 0;
  const warmUpUntil = process.hrtime.bigint() + BigInt(Math.round(budgetMs * 0.2e6));
  for (let i = 0; i < Math.min(iterations, 20_000) && (i < 50 || process.hrtime.bigint() < warmUpUntil); i++) if (fn()) sink++; // let the JIT settle
  const samples = new Float64Array(iterations);
  const cpu0 = process.cpuUsage();
  const started = process.hrtime.bigint();
  const deadline = started + BigInt(Math.round(budgetMs * 1e6));
  let n = 0;
  while (n < iterations) {
    const t0 = process.hrtime.bigint();
    if (fn()) sink++;
    const t1 = process.hrtime.bigint();
    samples[n++] = Math.max(0, Number(t1 - t0) - overhead);
    if (n >= 500 && t1 > deadline) break;
  }
  const total = Number(process.hrtime.bigint() - started);
  const cpu = process.cpuUsage(cpu0);
  const taken = samples.subarray(0, n).sort();
  if (sink < 0) console.log(sink); // keeps the calls observable
  return { median: taken[Math.floor(n * 0.5)] as number, p99: taken[Math.floor(n * 0.99)] as number, mean: total / n, cpu: ((cpu.user + cpu.system) * 1000) / n, samples: n };
}

/**
 * Tight loop without per-call timers: mean wall time per call, and mean CPU time of this process
 * per call (process.cpuUsage) — the latter barely moves when other processes share the CPU.
 */
function tightMean(fn: () => unknown, iterations: number): { wall: number; cpu: number } {
  let sink = 0;
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < iterations; i++) if (fn()) sink++;
  const cpu = process.cpuUsage(cpu0);
  const wall = Number(process.hrtime.bigint() - t0) / iterations;
  if (sink < 0) console.log(sink);
  return { wall, cpu: ((cpu.user + cpu.system) * 1000) / iterations };
}

const us = (ns: number) => `${(ns / 1000).toFixed(ns < 10_000 ? 2 : 1)} µs`;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1] as number;
}

function main() {
  const overhead = timerOverhead();
  console.log(`policy decision: node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown CPU'}, cedar-wasm ${cedar.getCedarVersion()}`);
  console.log(`load average at start ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} (wall-clock figures stretch with it; the CPU columns much less)`);
  console.log(`per-call timing with process.hrtime.bigint; timer overhead ${overhead} ns (median) subtracted from each sample`);
  console.log('Cedar: the policy set is pre-parsed once (preparsePolicySet) and each call is statefulIsAuthorized; it cannot');
  console.log('pre-parse entities, so the small entity list (agent, its roles, the tool) is passed and parsed on every call.');
  console.log('');
  // Out of the figures: wasm start-up, and V8's tier-up of the wasm code from its baseline compiler
  // to the optimizing one (a trivial call costs ~5× more for the first few thousand calls).
  cedar.preparsePolicySet('warm-up', { staticPolicies: 'permit(principal, action, resource);' });
  const trivial = { principal: { type: 'A', id: 'a' }, action: { type: 'Action', id: 'x' }, resource: { type: 'R', id: 'r' }, context: {}, entities: [], preparsedPolicySetId: 'warm-up' };
  for (let i = 0; i < 20_000; i++) cedar.statefulIsAuthorized(trivial);

  const rows: string[][] = [['rules', 'request', 'decision', 'ours median', 'ours p99', 'ours cpu/call', 'cedar median', 'cedar p99', 'cedar cpu/call', 'cedar samples']];
  for (const size of SIZES) {
    const scenario = buildScenario(size);
    const compileTimes: number[] = [];
    let compiled = compilePolicies(scenario.sources);
    for (let i = 0; i < 21; i++) {
      const t0 = process.hrtime.bigint();
      compiled = compilePolicies(scenario.sources);
      compileTimes.push(Number(process.hrtime.bigint() - t0));
    }
    if (compiled.problems.length > 0) throw new Error(JSON.stringify(compiled.problems));

    const text = toCedar(scenario.sources);
    const setId = `bench-${size}`;
    const t1 = process.hrtime.bigint();
    const parsed = cedar.preparsePolicySet(setId, { staticPolicies: text });
    const preparseNs = Number(process.hrtime.bigint() - t1);
    if (parsed.type !== 'success') throw new Error(`cedar parse: ${JSON.stringify(parsed.errors[0])}`);
    const cedarDecide = (request: DecisionRequest) => cedarDecision(cedar.statefulIsAuthorized({ ...cedarCall(request), preparsedPolicySetId: setId }));

    // Same answers first: the three requests and random ones over the same universe.
    const random = prng(size + 1);
    let agreed = 0;
    let allowed = 0;
    const checks = size >= 1000 ? 300 : 1000;
    for (let i = 0; i < checks; i++) {
      const r = buildRandomRequest(random, scenario.requests[0]!.request);
      const ours = decide(compiled, r).decision;
      if (ours === cedarDecide(r)) agreed++;
      if (ours === 'allow') allowed++;
    }
    console.log(
      `${String(size).padStart(5)} rules in ${scenario.sources.length} policies: compilePolicies ${us(median(compileTimes))} (median of 21), ` +
        `cedar preparsePolicySet ${us(preparseNs)}; same decision on ${agreed}/${checks} random requests (${allowed} allowed)`,
    );
    if (agreed !== checks) console.log('      WARNING: the engines disagree; the translation is not equivalent for this set');

    for (const { label, request } of scenario.requests) {
      const ours = decide(compiled, request);
      const theirs = cedarDecide(request);
      if (ours.decision !== theirs) console.log(`      WARNING: ${label}: ours ${ours.decision}, cedar ${theirs}`);
      const a = measure(() => decide(compiled, request).decision === 'allow', ITERATIONS, overhead);
      const tight = tightMean(() => decide(compiled, request).decision === 'allow', ITERATIONS);
      const call = { ...cedarCall(request), preparsedPolicySetId: setId };
      const b = measure(() => cedar.statefulIsAuthorized(call).type === 'success', CEDAR_ITERATIONS, overhead, 5_000);
      rows.push([String(size), label, ours.decision, us(a.median), us(a.p99), us(tight.cpu), us(b.median), us(b.p99), us(b.cpu), String(b.samples)]);
    }
  }
  console.log('');
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const [i, r] of rows.entries()) {
    console.log(r.map((cell, j) => (j < 3 ? cell.padEnd(widths[j]!) : cell.padStart(widths[j]!))).join('  '));
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
  console.log('');
  console.log(`cpu/call: CPU time of this process per call over a loop (ours: ${ITERATIONS} calls without per-call timers).`);
  console.log('The stateless cedar.isAuthorized parses the whole policy set on every call:');
  for (const size of SIZES) {
    const scenario = buildScenario(size);
    const call = { ...cedarCall(scenario.requests[0]!.request), policies: { staticPolicies: toCedar(scenario.sources) } };
    const n = size >= 1000 ? 5 : size >= 100 ? 50 : 200;
    const t = process.hrtime.bigint();
    for (let i = 0; i < n; i++) cedarDecision(cedar.isAuthorized(call));
    console.log(`  ${String(size).padStart(5)} rules: ${us(Number(process.hrtime.bigint() - t) / n)} per call (mean of ${n})`);
  }
  console.log(`load average at end ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
}

function buildRandomRequest(random: () => number, base: DecisionRequest): DecisionRequest {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const target =
    random() < 0.1 ? pick(['tool:conn_0/delete_everything', 'tool:nowhere/not_a_tool', 'tool:conn_0/tool_1']) : `tool:conn_${Math.floor(random() * 60)}/tool_${Math.floor(random() * 45)}`;
  return {
    ...base,
    environmentId: pick([ENV, 'env-other']),
    environmentType: pick(['production', 'staging', 'development']),
    subject: { agentId: pick([AGENT, 'agent-3', 'agent-17', 'agent-99']), roles: pick([[ROLE], [], ['support'], ['finance', ROLE]]) },
    target,
    context: { input: pick([{ mode: 'read' }, { mode: 'write' }, {}]) },
  };
}

main();
