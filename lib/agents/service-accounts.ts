// Service accounts: external workload identities (the subject and issuer of the token a workload
// presents) that an agent authenticates with. (org, name) is unique, and (subject, issuer) is unique
// across all organizations: one external identity must never map to two tenants.
import { and, asc, count, eq, ne } from 'drizzle-orm';
import { agents, environments, serviceAccounts, type NewServiceAccount, type ServiceAccount } from '@/db/schema';
import { AppError, invalidInput, notFound } from '@/lib/api/errors';
import type { PageRequest } from '@/lib/api/pagination';
import { changedFields, recordAudit } from '@/lib/audit/record';
import { AGENT_JWT_AUDIENCE } from '@/lib/auth/agent-jwt';
import { secretRefExists } from '@/lib/secrets/refs';
import { isUuid, type OrgCtx } from '@/lib/tenancy/access';
import type { CreateServiceAccountInput, PatchServiceAccountInput } from './schemas';
import { withUniqueFields, type UniqueFields } from '@/lib/api/unique-conflicts';

export interface PublicServiceAccount {
  id: string;
  organization_id: string;
  environment_id: string | null;
  name: string;
  subject: string;
  credential_ref: string | null;
  audience: string;
  issuer: string;
  scope_allowlist: string[];
  enabled: boolean;
  created_at: string;
  updated_at: string;
}

export const toPublicServiceAccount = (s: ServiceAccount): PublicServiceAccount => ({
  id: s.id,
  organization_id: s.organizationId,
  environment_id: s.environmentId,
  name: s.name,
  subject: s.subject,
  credential_ref: s.credentialRef,
  audience: s.audience,
  issuer: s.issuer,
  scope_allowlist: s.scopeAllowlist,
  enabled: s.enabled,
  created_at: s.createdAt.toISOString(),
  updated_at: s.updatedAt.toISOString(),
});

type ServiceAccountValues = Required<Omit<NewServiceAccount, 'id' | 'organizationId' | 'createdAt' | 'updatedAt'>>;

const SERVICE_ACCOUNT_UNIQUE: UniqueFields = {
  service_accounts_org_name_unique: ['name', 'This organization already has a service account with this name'],
  // Says nothing about where: the other holder may be another organization.
  service_accounts_subject_issuer_unique: ['subject', 'This subject is already used with this issuer'],
};

const conflict = (constraint: keyof typeof SERVICE_ACCOUNT_UNIQUE) => {
  const [field, message] = SERVICE_ACCOUNT_UNIQUE[constraint]!;
  return new AppError('conflict', message, { fields: { [field]: [message] } });
};

export const withServiceAccountUniqueFields = <T>(write: () => Promise<T>) => withUniqueFields(SERVICE_ACCOUNT_UNIQUE, write);

/** The name of a new service account: `base`, else `base (2)`, `base (3)` … (free at the time of asking). */
export async function freeServiceAccountName(ctx: OrgCtx, base: string): Promise<string> {
  const taken = new Set(
    (
      await ctx.db
        .select({ name: serviceAccounts.name })
        .from(serviceAccounts)
        .where(eq(serviceAccounts.organizationId, ctx.orgId))
    ).map((r) => r.name),
  );
  let name = base;
  for (let n = 2; taken.has(name); n++) name = `${base} (${n})`;
  return name;
}

export async function getServiceAccountOrThrow(ctx: OrgCtx, id: string): Promise<ServiceAccount> {
  if (!isUuid(id)) throw notFound('Service account');
  const [row] = await ctx.db
    .select()
    .from(serviceAccounts)
    .where(and(eq(serviceAccounts.id, id), eq(serviceAccounts.organizationId, ctx.orgId)));
  if (!row) throw notFound('Service account');
  return row;
}

function valuesFromInput(input: CreateServiceAccountInput): ServiceAccountValues {
  return {
    environmentId: input.environment_id,
    name: input.name,
    subject: input.subject,
    issuer: input.issuer,
    audience: input.audience ?? AGENT_JWT_AUDIENCE,
    credentialRef: input.credential_ref,
    scopeAllowlist: input.scope_allowlist,
    enabled: input.enabled,
  };
}

function mergePatch(current: ServiceAccount, input: PatchServiceAccountInput): ServiceAccountValues {
  const set = <T>(value: T | undefined, fallback: T): T => (value === undefined ? fallback : value);
  return {
    environmentId: set(input.environment_id, current.environmentId),
    name: set(input.name, current.name),
    subject: set(input.subject, current.subject),
    issuer: set(input.issuer, current.issuer),
    audience: set(input.audience, current.audience),
    credentialRef: set(input.credential_ref, current.credentialRef),
    scopeAllowlist: set(input.scope_allowlist, current.scopeAllowlist),
    enabled: set(input.enabled, current.enabled),
  };
}

/** 400 naming each bad reference; checked only when the request sets or changes it. */
async function assertValid(ctx: OrgCtx, next: ServiceAccountValues, current?: ServiceAccount): Promise<void> {
  const fields: Record<string, string[]> = {};
  if (next.environmentId && next.environmentId !== current?.environmentId) {
    const [env] = await ctx.db
      .select({ id: environments.id })
      .from(environments)
      .where(and(eq(environments.id, next.environmentId), eq(environments.organizationId, ctx.orgId)));
    if (!env) fields.environment_id = ['No such environment in this organization'];
    else if (current) {
      // The agent it speaks for must live in that environment.
      const [agent] = await ctx.db
        .select({ environmentId: agents.environmentId })
        .from(agents)
        .where(and(eq(agents.organizationId, ctx.orgId), eq(agents.serviceAccountId, current.id)));
      if (agent && agent.environmentId !== next.environmentId) {
        fields.environment_id = ['The agent using this service account is in another environment'];
      }
    }
  }
  if (next.credentialRef && next.credentialRef !== current?.credentialRef && !(await secretRefExists(ctx, next.credentialRef))) {
    fields.credential_ref = ['No such secret in this organization'];
  }
  if (Object.keys(fields).length) throw invalidInput(fields, 'The service account breaks a constraint');
}

async function assertUnique(ctx: OrgCtx, next: ServiceAccountValues, exceptId?: string): Promise<void> {
  const notSelf = exceptId ? ne(serviceAccounts.id, exceptId) : undefined;
  const [byName] = await ctx.db
    .select({ id: serviceAccounts.id })
    .from(serviceAccounts)
    .where(and(eq(serviceAccounts.organizationId, ctx.orgId), eq(serviceAccounts.name, next.name), notSelf));
  if (byName) throw conflict('service_accounts_org_name_unique');
  // Deliberately not filtered by organization: the pair is unique across tenants. Only the
  // existence is used, and the answer does not say where.
  const [byIdentity] = await ctx.db
    .select({ id: serviceAccounts.id })
    .from(serviceAccounts)
    .where(and(eq(serviceAccounts.subject, next.subject), eq(serviceAccounts.issuer, next.issuer), notSelf));
  if (byIdentity) throw conflict('service_accounts_subject_issuer_unique');
}

export async function createServiceAccount(ctx: OrgCtx, input: CreateServiceAccountInput): Promise<PublicServiceAccount> {
  const values = valuesFromInput(input);
  await assertValid(ctx, values);
  await assertUnique(ctx, values);
  const account = await withServiceAccountUniqueFields(() =>
    ctx.db.transaction(async (tx) => {
      const [row] = await tx
        .insert(serviceAccounts)
        .values({ ...values, organizationId: ctx.orgId })
        .returning();
      await recordAudit(tx, ctx, {
        organizationId: ctx.orgId,
        action: 'service_account.create',
        eventType: 'service_account_created',
        target: `service_account:${row!.id}`,
        data: { name: row!.name, subject: row!.subject, issuer: row!.issuer },
      });
      return row!;
    }),
  );
  return toPublicServiceAccount(account);
}

export async function listServiceAccounts(
  ctx: OrgCtx,
  page: PageRequest,
): Promise<{ total: number; results: PublicServiceAccount[] }> {
  const inOrg = eq(serviceAccounts.organizationId, ctx.orgId);
  const [{ total } = { total: 0 }] = await ctx.db.select({ total: count() }).from(serviceAccounts).where(inOrg);
  const rows = await ctx.db
    .select()
    .from(serviceAccounts)
    .where(inOrg)
    .orderBy(asc(serviceAccounts.name), asc(serviceAccounts.id))
    .limit(page.pageSize)
    .offset(page.offset);
  return { total, results: rows.map(toPublicServiceAccount) };
}

export async function getServiceAccount(ctx: OrgCtx, id: string): Promise<PublicServiceAccount> {
  return toPublicServiceAccount(await getServiceAccountOrThrow(ctx, id));
}

/**
 * PUT (`replace`) and PATCH. A narrower scope allowlist applies to tokens issued from now on;
 * tokens already issued keep their scopes until revoked or expired.
 */
export async function updateServiceAccount(
  ctx: OrgCtx,
  id: string,
  input: PatchServiceAccountInput | CreateServiceAccountInput,
  { replace = false } = {},
): Promise<PublicServiceAccount> {
  const current = await getServiceAccountOrThrow(ctx, id);
  const next = replace ? valuesFromInput(input as CreateServiceAccountInput) : mergePatch(current, input);
  await assertValid(ctx, next, current);
  await assertUnique(ctx, next, current.id);
  const account = await withServiceAccountUniqueFields(() =>
    ctx.db.transaction(async (tx) => {
      const [row] = await tx
        .update(serviceAccounts)
        .set({ ...next, updatedAt: new Date() })
        .where(and(eq(serviceAccounts.id, current.id), eq(serviceAccounts.organizationId, ctx.orgId)))
        .returning();
      await recordAudit(tx, ctx, {
        organizationId: ctx.orgId,
        action: 'service_account.update',
        eventType: 'service_account_updated',
        target: `service_account:${current.id}`,
        data: { changed_fields: changedFields(input) },
      });
      return row!;
    }),
  );
  return toPublicServiceAccount(account);
}

/** Deletes the service account; an agent that used it keeps working with platform tokens. */
export async function deleteServiceAccount(ctx: OrgCtx, id: string): Promise<void> {
  const current = await getServiceAccountOrThrow(ctx, id);
  await ctx.db.transaction(async (tx) => {
    await tx
      .delete(serviceAccounts)
      .where(and(eq(serviceAccounts.id, current.id), eq(serviceAccounts.organizationId, ctx.orgId)));
    await recordAudit(tx, ctx, {
      organizationId: ctx.orgId,
      action: 'service_account.delete',
      eventType: 'service_account_deleted',
      target: `service_account:${current.id}`,
      data: { name: current.name },
    });
  });
}
