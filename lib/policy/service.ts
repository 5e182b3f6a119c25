// Policies, their rules and their bindings (API-NOTES "Policies — one truth table"). Every change
// increments the policy's version, bumps the organization's policy revision (so each instance
// recompiles once: lib/policy/store.ts) and is audited, all in one transaction. Rules and
// bindings also have paths without the organization (/api/v1/policies/rules|bindings/{id}/):
// there the organization is read from the policy row and checked like any org path.
import { and, asc, count, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { Db } from '@/db/client';
import {
  agents,
  environments,
  organizationMemberships,
  policies,
  policyBindings,
  policyRules,
  serviceAccounts,
  tools,
  type Policy,
  type PolicyBinding,
  type PolicyRule,
} from '@/db/schema';
import { AppError, invalidInput, notFound } from '@/lib/api/errors';
import type { PageRequest } from '@/lib/api/pagination';
import { withUniqueFields } from '@/lib/api/unique-conflicts';
import { changedFields, recordAudit } from '@/lib/audit/record';
import type { UserCtx } from '@/lib/auth/context';
import { ROLES, type Permission } from '@/lib/auth/rbac';
import { isUuid, requireOrgAccess, type OrgCtx } from '@/lib/tenancy/access';
import type {
  AddRuleInput,
  CreateBindingInput,
  CreatePolicyInput,
  PatchBindingInput,
  PatchPolicyInput,
  PatchRuleInput,
  PolicyFilters,
} from './schemas';
import { bumpPolicyRevision, invalidatePolicies } from './store';

export interface PublicRule {
  id: string;
  policy_id: string;
  action: string;
  target: string;
  effect: 'allow' | 'deny';
  conditions: Record<string, unknown>;
  created_at: string;
  updated_at: string;
}

export interface PublicBinding {
  id: string;
  policy_id: string;
  scope_type: PolicyBinding['scopeType'];
  scope_id: string;
  priority: number;
  created_at: string;
  updated_at: string;
}

export interface PublicPolicy {
  id: string;
  organization_id: string;
  environment_id: string | null;
  name: string;
  description: string | null;
  version: number;
  is_active: boolean;
  rules_json: { allow?: string[]; deny?: string[] };
  rules: PublicRule[];
  bindings: PublicBinding[];
  created_at: string;
  updated_at: string;
}

export const toPublicRule = (r: PolicyRule): PublicRule => ({
  id: r.id,
  policy_id: r.policyId,
  action: r.action,
  target: r.target,
  effect: r.effect,
  conditions: r.conditions,
  created_at: r.createdAt.toISOString(),
  updated_at: r.updatedAt.toISOString(),
});

export const toPublicBinding = (b: PolicyBinding): PublicBinding => ({
  id: b.id,
  policy_id: b.policyId,
  scope_type: b.scopeType,
  scope_id: b.scopeId,
  priority: b.priority,
  created_at: b.createdAt.toISOString(),
  updated_at: b.updatedAt.toISOString(),
});

const toPublicPolicy = (p: Policy, rules: PolicyRule[], bindings: PolicyBinding[]): PublicPolicy => ({
  id: p.id,
  organization_id: p.organizationId,
  environment_id: p.environmentId,
  name: p.name,
  description: p.description,
  version: p.version,
  is_active: p.isActive,
  rules_json: p.rulesJson ?? {},
  rules: rules.map(toPublicRule),
  bindings: bindings.map(toPublicBinding),
  created_at: p.createdAt.toISOString(),
  updated_at: p.updatedAt.toISOString(),
});

const UNIQUE = {
  policies_org_name_unique: ['name', 'This organization already has a policy with this name'],
} as const satisfies Record<string, [string, string]>;

/** Rules and bindings of these policies, oldest first, grouped by policy. */
async function childrenOf(db: Db, policyIds: string[]): Promise<{ rules: Map<string, PolicyRule[]>; bindings: Map<string, PolicyBinding[]> }> {
  const rules = new Map<string, PolicyRule[]>();
  const bindings = new Map<string, PolicyBinding[]>();
  if (!policyIds.length) return { rules, bindings };
  const [ruleRows, bindingRows] = await Promise.all([
    db.select().from(policyRules).where(inArray(policyRules.policyId, policyIds)).orderBy(asc(policyRules.createdAt), asc(policyRules.id)),
    db
      .select()
      .from(policyBindings)
      .where(inArray(policyBindings.policyId, policyIds))
      .orderBy(asc(policyBindings.createdAt), asc(policyBindings.id)),
  ]);
  for (const r of ruleRows) (rules.get(r.policyId) ?? rules.set(r.policyId, []).get(r.policyId)!).push(r);
  for (const b of bindingRows) (bindings.get(b.policyId) ?? bindings.set(b.policyId, []).get(b.policyId)!).push(b);
  return { rules, bindings };
}

async function withChildren(db: Db, rows: Policy[]): Promise<PublicPolicy[]> {
  const { rules, bindings } = await childrenOf(
    db,
    rows.map((p) => p.id),
  );
  return rows.map((p) => toPublicPolicy(p, rules.get(p.id) ?? [], bindings.get(p.id) ?? []));
}

export async function getPolicyOrThrow(ctx: Pick<OrgCtx, 'db' | 'orgId'>, id: string): Promise<Policy> {
  if (!isUuid(id)) throw notFound('Policy');
  const [row] = await ctx.db
    .select()
    .from(policies)
    .where(and(eq(policies.id, id), eq(policies.organizationId, ctx.orgId)));
  if (!row) throw notFound('Policy');
  return row;
}

async function assertEnvironment(ctx: OrgCtx, environmentId: string | null | undefined): Promise<void> {
  if (!environmentId) return;
  const [row] = await ctx.db
    .select({ id: environments.id })
    .from(environments)
    .where(and(eq(environments.id, environmentId), eq(environments.organizationId, ctx.orgId)));
  if (!row) throw invalidInput({ environment_id: ['Unknown environment'] });
}

/**
 * The change's bookkeeping, inside its transaction: the policy's version goes up by one and the
 * organization's revision with it (every instance recompiles), and the change is audited.
 */
async function recordChange(
  tx: Db,
  ctx: OrgCtx,
  policyId: string,
  audit: { action: string; eventType: string; target: string; data: Record<string, unknown> },
  bumpVersion = true,
): Promise<void> {
  if (bumpVersion) {
    await tx
      .update(policies)
      .set({ version: sql`${policies.version} + 1`, updatedAt: new Date() })
      .where(eq(policies.id, policyId));
  }
  await bumpPolicyRevision(tx, ctx.orgId);
  await recordAudit(tx, ctx, { organizationId: ctx.orgId, ...audit, data: { policy_id: policyId, ...audit.data } });
}

/** Runs a policy change and drops this instance's compiled policies once it has committed. */
async function change<T>(ctx: OrgCtx, write: (tx: Db) => Promise<T>): Promise<T> {
  const result = await withUniqueFields(UNIQUE, () => ctx.db.transaction((tx) => write(tx)));
  invalidatePolicies(ctx.orgId);
  return result;
}

// ---------------------------------------------------------------------------------------------
// Policies

export async function listPolicies(ctx: OrgCtx, filters: PolicyFilters, page: PageRequest): Promise<{ total: number; results: PublicPolicy[] }> {
  const where: SQL[] = [eq(policies.organizationId, ctx.orgId)];
  if (filters.environment_id) where.push(eq(policies.environmentId, filters.environment_id));
  if (filters.is_active !== undefined) where.push(eq(policies.isActive, filters.is_active));
  const [{ total } = { total: 0 }] = await ctx.db.select({ total: count() }).from(policies).where(and(...where));
  const rows = await ctx.db
    .select()
    .from(policies)
    .where(and(...where))
    .orderBy(asc(policies.name), asc(policies.id))
    .limit(page.pageSize)
    .offset(page.offset);
  return { total, results: await withChildren(ctx.db, rows) };
}

export async function getPolicy(ctx: OrgCtx, id: string): Promise<PublicPolicy> {
  const [policy] = await withChildren(ctx.db, [await getPolicyOrThrow(ctx, id)]);
  return policy!;
}

export async function createPolicy(ctx: OrgCtx, input: CreatePolicyInput): Promise<PublicPolicy> {
  await assertEnvironment(ctx, input.environment_id);
  const row = await change(ctx, async (tx) => {
    const [created] = await tx
      .insert(policies)
      .values({
        organizationId: ctx.orgId,
        environmentId: input.environment_id ?? null,
        name: input.name,
        description: input.description ?? null,
        isActive: input.is_active,
        rulesJson: input.rules_json,
      })
      .returning();
    await recordChange(
      tx,
      ctx,
      created!.id,
      {
        action: 'policy.create',
        eventType: 'policy_created',
        target: `policy:${created!.id}`,
        data: { name: created!.name, environment_id: created!.environmentId, rules_json: created!.rulesJson },
      },
      false,
    );
    return created!;
  });
  return toPublicPolicy(row, [], []);
}

export async function updatePolicy(ctx: OrgCtx, id: string, input: PatchPolicyInput): Promise<PublicPolicy> {
  const current = await getPolicyOrThrow(ctx, id);
  if (input.environment_id !== undefined) await assertEnvironment(ctx, input.environment_id);
  await change(ctx, async (tx) => {
    await tx
      .update(policies)
      .set({
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(input.description !== undefined ? { description: input.description } : {}),
        ...(input.environment_id !== undefined ? { environmentId: input.environment_id } : {}),
        ...(input.is_active !== undefined ? { isActive: input.is_active } : {}),
        ...(input.rules_json !== undefined ? { rulesJson: input.rules_json } : {}),
      })
      .where(and(eq(policies.id, current.id), eq(policies.organizationId, ctx.orgId)));
    await recordChange(tx, ctx, current.id, {
      action: 'policy.update',
      eventType: input.is_active === false && current.isActive ? 'policy_deactivated' : 'policy_updated',
      target: `policy:${current.id}`,
      // The short form is the policy's content, not a secret: the audit shows what it became.
      data: { name: input.name ?? current.name, changed_fields: changedFields(input), ...(input.rules_json ? { rules_json: input.rules_json } : {}) },
    });
  });
  return getPolicy(ctx, current.id);
}

export async function deletePolicy(ctx: OrgCtx, id: string): Promise<void> {
  const current = await getPolicyOrThrow(ctx, id);
  await change(ctx, async (tx) => {
    await tx.delete(policies).where(and(eq(policies.id, current.id), eq(policies.organizationId, ctx.orgId)));
    await recordChange(
      tx,
      ctx,
      current.id,
      { action: 'policy.delete', eventType: 'policy_deleted', target: `policy:${current.id}`, data: { name: current.name } },
      false,
    );
  });
}

// ---------------------------------------------------------------------------------------------
// Rules and bindings: resolved through their policy

/**
 * The org-scoped context of a policy addressed without its organization in the path; a caller
 * who is not a member of its organization gets the same 404 as for a policy that does not exist.
 */
export async function policyCtx(ctx: UserCtx, policyId: string, permission: Permission): Promise<{ ctx: OrgCtx; policy: Policy }> {
  if (!isUuid(policyId)) throw notFound('Policy');
  const [row] = await ctx.db.select().from(policies).where(eq(policies.id, policyId));
  if (!row) throw notFound('Policy');
  return { ctx: await asMember(ctx, row.organizationId, permission, 'Policy'), policy: row };
}

async function asMember(ctx: UserCtx | OrgCtx, orgId: string, permission: Permission, what: string): Promise<OrgCtx> {
  // Called from an organization's page or path (the console): a row of another organization is
  // not there, even when the caller is an admin of both.
  if ('orgId' in ctx && ctx.orgId !== orgId) throw notFound(what);
  try {
    return await requireOrgAccess(ctx, orgId, permission);
  } catch (error) {
    if (error instanceof AppError && error.code === 'not_found') throw notFound(what);
    throw error;
  }
}

/** A body's policy_id: another organization's answers 404, like an id that does not exist. */
const policyFromBody = (ctx: UserCtx, policyId: string) => policyCtx(ctx, policyId, 'policy.manage');

/** Ids of the organizations where the caller may read (for the flat rule/binding lists). */
async function readableOrgIds(ctx: UserCtx, only?: string): Promise<string[]> {
  const rows = await ctx.db
    .select({ orgId: organizationMemberships.organizationId })
    .from(organizationMemberships)
    .where(and(eq(organizationMemberships.userId, ctx.actor.userId), eq(organizationMemberships.isActive, true)));
  // Every role may read (org.read is the lowest permission).
  return rows.map((r) => r.orgId).filter((id) => !only || id === only);
}

export async function listRules(
  ctx: UserCtx,
  filters: { policy_id?: string; organization_id?: string },
  page: PageRequest,
): Promise<{ total: number; results: PublicRule[] }> {
  const orgIds = await readableOrgIds(ctx, filters.organization_id);
  if (!orgIds.length) return { total: 0, results: [] };
  const where: SQL[] = [inArray(policies.organizationId, orgIds)];
  if (filters.policy_id) where.push(eq(policyRules.policyId, filters.policy_id));
  const base = () => ctx.db.select().from(policyRules).innerJoin(policies, eq(policies.id, policyRules.policyId));
  const [{ total } = { total: 0 }] = await ctx.db
    .select({ total: count() })
    .from(policyRules)
    .innerJoin(policies, eq(policies.id, policyRules.policyId))
    .where(and(...where));
  const rows = await base()
    .where(and(...where))
    .orderBy(asc(policies.name), asc(policyRules.createdAt), asc(policyRules.id))
    .limit(page.pageSize)
    .offset(page.offset);
  return { total, results: rows.map((r) => toPublicRule(r.policy_rules)) };
}

async function ruleCtx(ctx: UserCtx, id: string, permission: Permission): Promise<{ ctx: OrgCtx; rule: PolicyRule; policy: Policy }> {
  if (!isUuid(id)) throw notFound('Rule');
  const [row] = await ctx.db.select().from(policyRules).innerJoin(policies, eq(policies.id, policyRules.policyId)).where(eq(policyRules.id, id));
  if (!row) throw notFound('Rule');
  return { ctx: await asMember(ctx, row.policies.organizationId, permission, 'Rule'), rule: row.policy_rules, policy: row.policies };
}

export async function getRule(ctx: UserCtx, id: string): Promise<PublicRule> {
  return toPublicRule((await ruleCtx(ctx, id, 'org.read')).rule);
}

async function insertRule(ctx: OrgCtx, policy: Policy, input: AddRuleInput): Promise<PublicRule> {
  const row = await change(ctx, async (tx) => {
    const [created] = await tx
      .insert(policyRules)
      .values({ policyId: policy.id, action: input.action, target: input.target, effect: input.effect, conditions: input.conditions })
      .returning();
    await recordChange(tx, ctx, policy.id, {
      action: 'policy.rule_create',
      eventType: 'policy_rule_created',
      target: `policy_rule:${created!.id}`,
      data: { action: created!.action, rule_target: created!.target, effect: created!.effect, conditions: created!.conditions },
    });
    return created!;
  });
  return toPublicRule(row);
}

/** POST /orgs/{org_id}/policies/{id}/rules/ */
export async function addRule(ctx: OrgCtx, policyId: string, input: AddRuleInput): Promise<PublicRule> {
  return insertRule(ctx, await getPolicyOrThrow(ctx, policyId), input);
}

/** POST /policies/rules/ */
export async function createRule(ctx: UserCtx, input: AddRuleInput & { policy_id: string }): Promise<PublicRule> {
  const { ctx: orgCtx, policy } = await policyFromBody(ctx, input.policy_id);
  return insertRule(orgCtx, policy, { action: input.action, target: input.target, effect: input.effect, conditions: input.conditions });
}

export async function updateRule(ctx: UserCtx, id: string, input: PatchRuleInput): Promise<PublicRule> {
  const { ctx: orgCtx, rule, policy } = await ruleCtx(ctx, id, 'policy.manage');
  const row = await change(orgCtx, async (tx) => {
    const [updated] = await tx
      .update(policyRules)
      .set({
        ...(input.action !== undefined ? { action: input.action } : {}),
        ...(input.target !== undefined ? { target: input.target } : {}),
        ...(input.effect !== undefined ? { effect: input.effect } : {}),
        ...(input.conditions !== undefined ? { conditions: input.conditions } : {}),
        updatedAt: new Date(),
      })
      .where(eq(policyRules.id, rule.id))
      .returning();
    await recordChange(tx, orgCtx, policy.id, {
      action: 'policy.rule_update',
      eventType: 'policy_rule_updated',
      target: `policy_rule:${rule.id}`,
      data: {
        changed_fields: changedFields(input),
        action: updated!.action,
        rule_target: updated!.target,
        effect: updated!.effect,
        conditions: updated!.conditions,
      },
    });
    return updated!;
  });
  return toPublicRule(row);
}

export async function deleteRule(ctx: UserCtx, id: string): Promise<void> {
  const { ctx: orgCtx, rule, policy } = await ruleCtx(ctx, id, 'policy.manage');
  await change(orgCtx, async (tx) => {
    await tx.delete(policyRules).where(eq(policyRules.id, rule.id));
    await recordChange(tx, orgCtx, policy.id, {
      action: 'policy.rule_delete',
      eventType: 'policy_rule_deleted',
      target: `policy_rule:${rule.id}`,
      data: { action: rule.action, rule_target: rule.target, effect: rule.effect },
    });
  });
}

export async function listBindings(
  ctx: UserCtx,
  filters: { policy_id?: string; organization_id?: string },
  page: PageRequest,
): Promise<{ total: number; results: PublicBinding[] }> {
  const orgIds = await readableOrgIds(ctx, filters.organization_id);
  if (!orgIds.length) return { total: 0, results: [] };
  const where: SQL[] = [inArray(policies.organizationId, orgIds)];
  if (filters.policy_id) where.push(eq(policyBindings.policyId, filters.policy_id));
  const [{ total } = { total: 0 }] = await ctx.db
    .select({ total: count() })
    .from(policyBindings)
    .innerJoin(policies, eq(policies.id, policyBindings.policyId))
    .where(and(...where));
  const rows = await ctx.db
    .select()
    .from(policyBindings)
    .innerJoin(policies, eq(policies.id, policyBindings.policyId))
    .where(and(...where))
    .orderBy(asc(policies.name), asc(policyBindings.createdAt), asc(policyBindings.id))
    .limit(page.pageSize)
    .offset(page.offset);
  return { total, results: rows.map((r) => toPublicBinding(r.policy_bindings)) };
}

async function bindingCtx(ctx: UserCtx, id: string, permission: Permission): Promise<{ ctx: OrgCtx; binding: PolicyBinding; policy: Policy }> {
  if (!isUuid(id)) throw notFound('Binding');
  const [row] = await ctx.db
    .select()
    .from(policyBindings)
    .innerJoin(policies, eq(policies.id, policyBindings.policyId))
    .where(eq(policyBindings.id, id));
  if (!row) throw notFound('Binding');
  return { ctx: await asMember(ctx, row.policies.organizationId, permission, 'Binding'), binding: row.policy_bindings, policy: row.policies };
}

export async function getBinding(ctx: UserCtx, id: string): Promise<PublicBinding> {
  return toPublicBinding((await bindingCtx(ctx, id, 'org.read')).binding);
}

/**
 * A binding's scope must name something of the policy's organization (a binding to another
 * organization's agent could never match, and would only reveal whether that id exists).
 */
async function assertScope(ctx: OrgCtx, scopeType: PolicyBinding['scopeType'], scopeId: string): Promise<void> {
  const bad = (message: string) => invalidInput({ scope_id: [message] });
  const inOrg = async (table: typeof agents | typeof tools | typeof environments | typeof serviceAccounts) => {
    if (!isUuid(scopeId)) return false;
    const [row] = await ctx.db
      .select({ id: table.id })
      .from(table)
      .where(and(eq(table.id, scopeId), eq(table.organizationId, ctx.orgId)));
    return Boolean(row);
  };
  switch (scopeType) {
    case 'org':
      if (scopeId !== ctx.orgId) throw bad("Use this organization's id");
      return;
    case 'env':
      if (!(await inOrg(environments))) throw bad('Unknown environment');
      return;
    case 'agent':
      if (!(await inOrg(agents))) throw bad('Unknown agent');
      return;
    case 'tool':
      if (!(await inOrg(tools))) throw bad('Unknown tool');
      return;
    case 'user': {
      const [member] = isUuid(scopeId)
        ? await ctx.db
            .select({ id: organizationMemberships.id })
            .from(organizationMemberships)
            .where(and(eq(organizationMemberships.userId, scopeId), eq(organizationMemberships.organizationId, ctx.orgId)))
        : [];
      if (!member) throw bad('Not a member of this organization');
      return;
    }
    case 'role':
      if (!(ROLES as readonly string[]).includes(scopeId)) throw bad(`Use one of ${ROLES.join(', ')}`);
      return;
    case 'resource_ns':
      return;
  }
}

export async function createBinding(ctx: UserCtx, input: CreateBindingInput): Promise<PublicBinding> {
  const { ctx: orgCtx, policy } = await policyFromBody(ctx, input.policy_id);
  await assertScope(orgCtx, input.scope_type, input.scope_id);
  const row = await change(orgCtx, async (tx) => {
    const [created] = await tx
      .insert(policyBindings)
      .values({ policyId: policy.id, scopeType: input.scope_type, scopeId: input.scope_id, priority: input.priority })
      .returning();
    await recordChange(tx, orgCtx, policy.id, {
      action: 'policy.binding_create',
      eventType: 'policy_binding_created',
      target: `policy_binding:${created!.id}`,
      data: { scope_type: created!.scopeType, scope_id: created!.scopeId, priority: created!.priority },
    });
    return created!;
  });
  return toPublicBinding(row);
}

export async function updateBinding(ctx: UserCtx, id: string, input: PatchBindingInput): Promise<PublicBinding> {
  const { ctx: orgCtx, binding, policy } = await bindingCtx(ctx, id, 'policy.manage');
  const scopeType = input.scope_type ?? binding.scopeType;
  const scopeId = input.scope_id ?? binding.scopeId;
  if (input.scope_type !== undefined || input.scope_id !== undefined) await assertScope(orgCtx, scopeType, scopeId);
  const row = await change(orgCtx, async (tx) => {
    const [updated] = await tx
      .update(policyBindings)
      .set({ scopeType, scopeId, ...(input.priority !== undefined ? { priority: input.priority } : {}), updatedAt: new Date() })
      .where(eq(policyBindings.id, binding.id))
      .returning();
    await recordChange(tx, orgCtx, policy.id, {
      action: 'policy.binding_update',
      eventType: 'policy_binding_updated',
      target: `policy_binding:${binding.id}`,
      data: { changed_fields: changedFields(input), scope_type: updated!.scopeType, scope_id: updated!.scopeId, priority: updated!.priority },
    });
    return updated!;
  });
  return toPublicBinding(row);
}

export async function deleteBinding(ctx: UserCtx, id: string): Promise<void> {
  const { ctx: orgCtx, binding, policy } = await bindingCtx(ctx, id, 'policy.manage');
  await change(orgCtx, async (tx) => {
    await tx.delete(policyBindings).where(eq(policyBindings.id, binding.id));
    await recordChange(tx, orgCtx, policy.id, {
      action: 'policy.binding_delete',
      eventType: 'policy_binding_deleted',
      target: `policy_binding:${binding.id}`,
      data: { scope_type: binding.scopeType, scope_id: binding.scopeId, priority: binding.priority },
    });
  });
}
