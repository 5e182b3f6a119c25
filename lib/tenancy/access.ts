// Tenancy: resolving the caller's organization and role. A caller who is not an active member of
// an organization learns nothing about it — every such id answers 404, exactly like an id that
// does not exist. Members without the needed role get 403.
import { and, eq } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { environments, organizationMemberships, organizations, type Environment, type Organization } from '@/db/schema';
import type { UserCtx } from '@/lib/auth/context';
import { isRole, requirePermission, type OrgRole, type Permission } from '@/lib/auth/rbac';
import { AppError, notFound } from '@/lib/api/errors';

export interface OrgCtx extends UserCtx {
  orgId: string;
  role: OrgRole;
  /** Set when the path names an environment (checked to belong to orgId). */
  envId?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (value: unknown): value is string => typeof value === 'string' && UUID.test(value);

/** The caller's active role in an organization, or null when not a member (or no such org). */
export async function membershipRole(db: Db, userId: string, orgId: string): Promise<OrgRole | null> {
  if (!isUuid(orgId)) return null;
  const [row] = await db
    .select({ role: organizationMemberships.role })
    .from(organizationMemberships)
    .where(
      and(
        eq(organizationMemberships.organizationId, orgId),
        eq(organizationMemberships.userId, userId),
        eq(organizationMemberships.isActive, true),
      ),
    );
  return row && isRole(row.role) ? row.role : null;
}

/**
 * The org-scoped context for `orgId`: 404 unless the caller is a member, 403 unless the role
 * allows `permission`. Used by the route wrapper for /orgs/{org_id}/… paths, and by services of
 * paths that carry no org (the org is read from the row, then checked the same way).
 */
export async function requireOrgAccess(ctx: UserCtx, orgId: string, permission: Permission): Promise<OrgCtx> {
  const role = await membershipRole(ctx.db, ctx.actor.userId, orgId);
  if (!role) throw notFound('Organization');
  const orgCtx: OrgCtx = { ...ctx, orgId, role };
  authorize(orgCtx, permission);
  return orgCtx;
}

/** 403 unless the caller's role allows `permission`; the refusal is audited in the org. */
export function authorize(ctx: OrgCtx, permission: Permission): void {
  try {
    requirePermission(ctx.role, permission);
  } catch (error) {
    if (error instanceof AppError) error.orgId = ctx.orgId;
    throw error;
  }
}

export async function getOrganizationOrThrow(ctx: OrgCtx): Promise<Organization> {
  const [org] = await ctx.db.select().from(organizations).where(eq(organizations.id, ctx.orgId));
  if (!org) throw notFound('Organization');
  return org;
}

/** An environment of the caller's organization, or 404 (also for another org's environment). */
export async function getEnvironmentOrThrow(ctx: OrgCtx, envId: string): Promise<Environment> {
  if (!isUuid(envId)) throw notFound('Environment');
  const [env] = await ctx.db
    .select()
    .from(environments)
    .where(and(eq(environments.id, envId), eq(environments.organizationId, ctx.orgId)));
  if (!env) throw notFound('Environment');
  return env;
}
