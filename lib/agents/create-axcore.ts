// create-axcore: an agent ready to use in one call and one transaction — the agent, the service
// account it authenticates with, a rule-less policy bound to it (deny by default, so an operator's
// later allow works without priority games; API-NOTES) and its first token. Any failure rolls back
// all of it.
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { bumpPolicyRevision, invalidatePolicies } from '@/lib/policy/store';
import { agents, policies, policyBindings, serviceAccounts, type Policy, type PolicyBinding } from '@/db/schema';
import { recordAudit } from '@/lib/audit/record';
import { AGENT_JWT_AUDIENCE, agentJwtIssuer } from '@/lib/auth/agent-jwt';
import type { OrgCtx } from '@/lib/tenancy/access';
import type { CreateAxcoreInput } from './schemas';
import { agentValuesFromInput, assertAgentUnique, assertAgentValid, toPublicAgent, withAgentUniqueFields, type PublicAgent } from './service';
import { freeServiceAccountName, toPublicServiceAccount, withServiceAccountUniqueFields, type PublicServiceAccount } from './service-accounts';
import { resolveTokenRequest, writeAgentToken } from './tokens';
import { withUniqueFields } from '@/lib/api/unique-conflicts';

export interface AxcorePolicy {
  id: string;
  organization_id: string;
  environment_id: string | null;
  name: string;
  description: string | null;
  version: number;
  is_active: boolean;
  rules_json: Policy['rulesJson'];
  bindings: { id: string; scope_type: PolicyBinding['scopeType']; scope_id: string; priority: number }[];
  created_at: string;
}

export interface AxcoreAgent {
  agent: PublicAgent;
  service_account: PublicServiceAccount;
  policy: AxcorePolicy;
  token: { token: string; jti: string; expires_at: string; scopes: string[] };
}

const POLICY_UNIQUE = { policies_org_name_unique: ['policy.name', 'A policy with the derived name was created meanwhile; try again'] as [string, string] };

/** `<slug>-default`, else `<slug>-default-2` … (free at the time of asking; the insert re-checks). */
async function freePolicyName(ctx: OrgCtx, slug: string): Promise<string> {
  const base = `${slug.toLowerCase()}-default`;
  const taken = new Set(
    (await ctx.db.select({ name: policies.name }).from(policies).where(eq(policies.organizationId, ctx.orgId))).map((r) => r.name),
  );
  let name = base;
  for (let n = 2; taken.has(name); n++) name = `${base}-${n}`;
  return name;
}

// The policy and binding are written here rather than through lib/policy/service.ts because all
// of it (agent, account, policy, token) is one transaction; like the policy service, it bumps the
// organization's policy revision so every instance recompiles.
export async function createAxcoreAgent(ctx: OrgCtx, input: CreateAxcoreInput): Promise<AxcoreAgent> {
  const { scope_allowlist: scopeAllowlist, token: tokenInput, ...agentInput } = input;
  const agentId = randomUUID();
  const values = { ...agentValuesFromInput({ ...agentInput, enabled: true }), id: agentId };
  // Every check that can be made before writing, so the common mistakes answer 400/409 as on the
  // plain agent endpoints; the transaction below is the backstop for races.
  await assertAgentValid(ctx, values);
  await assertAgentUnique(ctx, values);
  const tokenRequest = resolveTokenRequest({ enabled: true }, { enabled: true, scopeAllowlist }, tokenInput);
  const accountName = await freeServiceAccountName(ctx, `${values.name} service account`);
  const policyName = await freePolicyName(ctx, values.slug);

  const write = () =>
    ctx.db.transaction(async (tx) => {
      const [account] = await tx
        .insert(serviceAccounts)
        .values({
          organizationId: ctx.orgId,
          environmentId: values.environmentId,
          name: accountName,
          subject: `agent:${agentId}`,
          issuer: agentJwtIssuer(),
          audience: AGENT_JWT_AUDIENCE,
          scopeAllowlist,
        })
        .returning();
      const [agent] = await tx
        .insert(agents)
        .values({ ...values, organizationId: ctx.orgId, serviceAccountId: account!.id })
        .returning();
      const [policy] = await tx
        .insert(policies)
        .values({
          organizationId: ctx.orgId,
          environmentId: values.environmentId,
          name: policyName,
          description: `Default policy of agent ${values.name}: no rules, so everything is denied until a rule allows it`,
          rulesJson: {},
        })
        .returning();
      const [binding] = await tx
        .insert(policyBindings)
        .values({ policyId: policy!.id, scopeType: 'agent', scopeId: agentId, priority: 0 })
        .returning();
      await bumpPolicyRevision(tx, ctx.orgId);

      const audit = (action: string, eventType: string, target: string, data: Record<string, unknown>) =>
        recordAudit(tx, ctx, { organizationId: ctx.orgId, action, eventType, target, data: { ...data, via: 'create-axcore' } });
      await audit('agent.create', 'agent_created', `agent:${agentId}`, { name: agent!.name, slug: agent!.slug, mode: agent!.mode, environment_id: agent!.environmentId });
      await audit('service_account.create', 'service_account_created', `service_account:${account!.id}`, { name: account!.name, subject: account!.subject, issuer: account!.issuer });
      await audit('policy.create', 'policy_created', `policy:${policy!.id}`, { name: policy!.name, bindings: [{ scope_type: 'agent', scope_id: agentId, priority: 0 }] });
      const token = await writeAgentToken(tx, ctx, agent!, tokenRequest);

      return {
        agent: toPublicAgent(agent!),
        service_account: toPublicServiceAccount(account!),
        policy: {
          id: policy!.id,
          organization_id: policy!.organizationId,
          environment_id: policy!.environmentId,
          name: policy!.name,
          description: policy!.description,
          version: policy!.version,
          is_active: policy!.isActive,
          rules_json: policy!.rulesJson,
          bindings: [{ id: binding!.id, scope_type: binding!.scopeType, scope_id: binding!.scopeId, priority: binding!.priority }],
          created_at: policy!.createdAt.toISOString(),
        },
        token: { token: token.token, jti: token.jti, expires_at: token.expires_at, scopes: token.scopes },
      };
    });

  const created = await withAgentUniqueFields(() => withServiceAccountUniqueFields(() => withUniqueFields(POLICY_UNIQUE, write)));
  invalidatePolicies(ctx.orgId);
  return created;
}
