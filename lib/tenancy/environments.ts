// Environments of an organization (development, staging, production …).
import { and, asc, count, eq } from 'drizzle-orm';
import { agents, environments, type Environment } from '@/db/schema';
import { AppError } from '@/lib/api/errors';
import type { PageRequest } from '@/lib/api/pagination';
import { changedFields, recordAudit } from '@/lib/audit/record';
import { endAgentAccess } from '@/lib/mcp/gateway/sessions';
import { getEnvironmentOrThrow, type OrgCtx } from './access';
import type { CreateEnvironmentInput, PatchEnvironmentInput } from './schemas';

export interface PublicEnvironment {
  id: string;
  organization_id: string;
  name: string;
  type: string;
  created_at: string;
  updated_at: string;
}

export const toPublicEnvironment = (env: Environment): PublicEnvironment => ({
  id: env.id,
  organization_id: env.organizationId,
  name: env.name,
  type: env.type,
  created_at: env.createdAt.toISOString(),
  updated_at: env.updatedAt.toISOString(),
});

async function assertNameFree(ctx: OrgCtx, name: string, exceptId?: string): Promise<void> {
  const [row] = await ctx.db
    .select({ id: environments.id })
    .from(environments)
    .where(and(eq(environments.organizationId, ctx.orgId), eq(environments.name, name)));
  if (row && row.id !== exceptId) {
    throw new AppError('conflict', 'This organization already has an environment with this name', {
      fields: { name: ['Already taken'] },
    });
  }
}

export async function listEnvironments(ctx: OrgCtx, page: PageRequest): Promise<{ total: number; results: PublicEnvironment[] }> {
  const inOrg = eq(environments.organizationId, ctx.orgId);
  const [{ total } = { total: 0 }] = await ctx.db.select({ total: count() }).from(environments).where(inOrg);
  const rows = await ctx.db
    .select()
    .from(environments)
    .where(inOrg)
    .orderBy(asc(environments.name), asc(environments.id))
    .limit(page.pageSize)
    .offset(page.offset);
  return { total, results: rows.map(toPublicEnvironment) };
}

export async function createEnvironment(ctx: OrgCtx, input: CreateEnvironmentInput): Promise<PublicEnvironment> {
  await assertNameFree(ctx, input.name);
  const env = await ctx.db.transaction(async (tx) => {
    const [row] = await tx.insert(environments).values({ organizationId: ctx.orgId, name: input.name, type: input.type }).returning();
    await recordAudit(tx, ctx, {
      organizationId: ctx.orgId,
      action: 'environment.create',
      eventType: 'environment_created',
      target: `environment:${row!.id}`,
      data: { name: row!.name, type: row!.type },
    });
    return row!;
  });
  return toPublicEnvironment(env);
}

export async function getEnvironment(ctx: OrgCtx, envId: string): Promise<PublicEnvironment> {
  return toPublicEnvironment(await getEnvironmentOrThrow(ctx, envId));
}

export async function updateEnvironment(ctx: OrgCtx, envId: string, input: PatchEnvironmentInput): Promise<PublicEnvironment> {
  const current = await getEnvironmentOrThrow(ctx, envId);
  if (input.name !== undefined) await assertNameFree(ctx, input.name, current.id);
  const env = await ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .update(environments)
      .set({
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(input.type !== undefined ? { type: input.type } : {}),
        updatedAt: new Date(),
      })
      .where(and(eq(environments.id, current.id), eq(environments.organizationId, ctx.orgId)))
      .returning();
    await recordAudit(tx, ctx, {
      organizationId: ctx.orgId,
      action: 'environment.update',
      eventType: 'environment_updated',
      target: `environment:${current.id}`,
      data: { changed_fields: changedFields(input) },
    });
    return row!;
  });
  return toPublicEnvironment(env);
}

/** Deletes an environment and everything that lives in it (agents, tools, connections, runs …). */
export async function deleteEnvironment(ctx: OrgCtx, envId: string): Promise<void> {
  const current = await getEnvironmentOrThrow(ctx, envId);
  // Its agents go with it: their open MCP sessions end with the deletion, on every instance.
  const gone = await ctx.db
    .select({ id: agents.id })
    .from(agents)
    .where(and(eq(agents.organizationId, ctx.orgId), eq(agents.environmentId, current.id)));
  await ctx.db.transaction(async (tx) => {
    await tx.delete(environments).where(and(eq(environments.id, current.id), eq(environments.organizationId, ctx.orgId)));
    await recordAudit(tx, ctx, {
      organizationId: ctx.orgId,
      action: 'environment.delete',
      eventType: 'environment_deleted',
      target: `environment:${current.id}`,
      data: { name: current.name },
    });
  });
  for (const agent of gone) await endAgentAccess({ agentId: agent.id, closeSessions: true });
}
