// Organizations: create (the creator becomes owner), list the caller's, read, rename, delete.
import { and, count, eq, sql } from 'drizzle-orm';
import { agents, organizationMemberships, organizations, type Organization } from '@/db/schema';
import { AppError } from '@/lib/api/errors';
import type { PageRequest } from '@/lib/api/pagination';
import { changedFields, recordAudit } from '@/lib/audit/record';
import type { UserCtx } from '@/lib/auth/context';
import type { OrgRole } from '@/lib/auth/rbac';
import { endAgentAccess } from '@/lib/mcp/gateway/sessions';
import { getOrganizationOrThrow, type OrgCtx } from './access';
import type { CreateOrganizationInput, PatchOrganizationInput } from './schemas';

export interface PublicOrganization {
  id: string;
  name: string;
  role: OrgRole;
  created_at: string;
  updated_at: string;
}

const toPublic = (org: Organization, role: OrgRole): PublicOrganization => ({
  id: org.id,
  name: org.name,
  role,
  created_at: org.createdAt.toISOString(),
  updated_at: org.updatedAt.toISOString(),
});

const nameTaken = () =>
  new AppError('conflict', 'An organization with this name already exists', { fields: { name: ['Already taken'] } });

async function assertNameFree(ctx: UserCtx, name: string, exceptId?: string): Promise<void> {
  const [row] = await ctx.db.select({ id: organizations.id }).from(organizations).where(eq(organizations.name, name));
  if (row && row.id !== exceptId) throw nameTaken();
}

export async function createOrganization(ctx: UserCtx, input: CreateOrganizationInput): Promise<PublicOrganization> {
  await assertNameFree(ctx, input.name);
  const org = await ctx.db.transaction(async (tx) => {
    const [created] = await tx.insert(organizations).values({ name: input.name }).returning();
    await tx.insert(organizationMemberships).values({ organizationId: created!.id, userId: ctx.actor.userId, role: 'owner' });
    await recordAudit(tx, ctx, {
      organizationId: created!.id,
      action: 'organization.create',
      eventType: 'organization_created',
      target: `organization:${created!.id}`,
      data: { name: created!.name },
    });
    return created!;
  });
  return toPublic(org, 'owner');
}

export async function listMyOrganizationsPage(
  ctx: UserCtx,
  page: PageRequest,
): Promise<{ total: number; results: PublicOrganization[] }> {
  const mine = and(eq(organizationMemberships.userId, ctx.actor.userId), eq(organizationMemberships.isActive, true));
  const [{ total } = { total: 0 }] = await ctx.db.select({ total: count() }).from(organizationMemberships).where(mine);
  const rows = await ctx.db
    .select({ org: organizations, role: organizationMemberships.role })
    .from(organizationMemberships)
    .innerJoin(organizations, eq(organizations.id, organizationMemberships.organizationId))
    .where(mine)
    .orderBy(organizations.name, organizations.id)
    .limit(page.pageSize)
    .offset(page.offset);
  return { total, results: rows.map((r) => toPublic(r.org, r.role as OrgRole)) };
}

export async function getOrganization(ctx: OrgCtx): Promise<PublicOrganization> {
  return toPublic(await getOrganizationOrThrow(ctx), ctx.role);
}

export async function updateOrganization(ctx: OrgCtx, input: PatchOrganizationInput): Promise<PublicOrganization> {
  if (input.name !== undefined) await assertNameFree(ctx, input.name, ctx.orgId);
  const org = await ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .update(organizations)
      .set({ ...(input.name !== undefined ? { name: input.name } : {}), updatedAt: new Date() })
      .where(eq(organizations.id, ctx.orgId))
      .returning();
    await recordAudit(tx, ctx, {
      organizationId: ctx.orgId,
      action: 'organization.update',
      eventType: 'organization_updated',
      target: `organization:${ctx.orgId}`,
      data: { changed_fields: changedFields(input) },
    });
    return row!;
  });
  return toPublic(org, ctx.role);
}

/**
 * Deletes the organization and everything in it. Its own audit trail goes with it, so the
 * deletion itself is recorded in the instance trail.
 */
export async function deleteOrganization(ctx: OrgCtx): Promise<void> {
  // Its agents go with it: their open MCP sessions end with the deletion, on every instance.
  const gone = await ctx.db.select({ id: agents.id }).from(agents).where(eq(agents.organizationId, ctx.orgId));
  await ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .delete(organizations)
      .where(eq(organizations.id, ctx.orgId))
      .returning({ name: organizations.name });
    await recordAudit(tx, ctx, {
      organizationId: null,
      action: 'organization.delete',
      eventType: 'organization_deleted',
      target: `organization:${ctx.orgId}`,
      data: { name: row?.name },
    });
  });
  for (const agent of gone) await endAgentAccess({ agentId: agent.id, closeSessions: true });
}

/** Serializes membership changes of one organization (last-owner checks must not race). */
export async function lockOrganization(db: OrgCtx['db'], orgId: string): Promise<void> {
  await db.execute(sql`select id from ${organizations} where ${organizations.id} = ${orgId} for update`);
}
