// The tool registry: synced tools (their definition is the upstream's, changed only by sync and an
// admin's approval) and manual tools (a member's own entry on a connection of the organization).
// Every query carries the organization filter; another organization's tool is a 404.
import { and, asc, count, eq, ilike, or, type SQL } from 'drizzle-orm';
import { connections, tools, type Tool } from '@/db/schema';
import { AppError, invalidInput, notFound } from '@/lib/api/errors';
import type { PageRequest } from '@/lib/api/pagination';
import { withUniqueFields } from '@/lib/api/unique-conflicts';
import { changedFields, recordAudit } from '@/lib/audit/record';
import { authorize, isUuid, type OrgCtx } from '@/lib/tenancy/access';
import { canonicalJson, definitionDiff, definitionHash, type ToolDefinition } from './definition';
import { checkToolSchema } from './schema-check';
import type { ApproveToolInput, CreateToolInput, PatchToolInput, ToolFilters } from './schemas';

export interface PublicTool {
  id: string;
  organization_id: string;
  environment_id: string;
  connection_id: string;
  name: string;
  version: string;
  origin: string;
  description: string | null;
  schema_json: Record<string, unknown>;
  output_schema: Record<string, unknown> | null;
  annotations: Record<string, unknown>;
  enabled: boolean;
  /** Null: the instance default bucket. */
  rate_limit_capacity: number | null;
  rate_limit_refill_per_sec: number | null;
  sync_status: string;
  synced_at: string | null;
  definition_hash: string | null;
  has_pending_definition: boolean;
  created_at: string;
  updated_at: string;
}

export interface PublicToolDetail extends PublicTool {
  pending_definition: Record<string, unknown> | null;
}

export const toPublicTool = (t: Tool): PublicTool => ({
  id: t.id,
  organization_id: t.organizationId,
  environment_id: t.environmentId,
  connection_id: t.connectionId,
  name: t.name,
  version: t.version,
  origin: t.origin,
  description: t.description,
  schema_json: t.schemaJson,
  output_schema: t.outputSchema,
  annotations: t.annotations,
  enabled: t.enabled,
  rate_limit_capacity: t.rateLimitCapacity,
  rate_limit_refill_per_sec: t.rateLimitRefillPerSec,
  sync_status: t.syncStatus,
  synced_at: t.syncedAt?.toISOString() ?? null,
  definition_hash: t.definitionHash,
  has_pending_definition: t.pendingDefinition !== null,
  created_at: t.createdAt.toISOString(),
  updated_at: t.updatedAt.toISOString(),
});

const toDetail = (t: Tool): PublicToolDetail => ({ ...toPublicTool(t), pending_definition: t.pendingDefinition });

const UNIQUE = {
  tools_connection_name_version_unique: ['name', 'This connection already has a tool with this name and version'],
} as const satisfies Record<string, [string, string]>;

const definitionOf = (t: Pick<Tool, 'description' | 'schemaJson' | 'outputSchema' | 'annotations'>): ToolDefinition => ({
  description: t.description,
  inputSchema: t.schemaJson,
  outputSchema: t.outputSchema,
  annotations: t.annotations,
});

function assertSchema(schema: unknown): void {
  const check = checkToolSchema(schema);
  if (!check.ok) throw invalidInput({ schema_json: [check.error] });
}

export async function getToolOrThrow(ctx: Pick<OrgCtx, 'db' | 'orgId'>, id: string): Promise<Tool> {
  if (!isUuid(id)) throw notFound('Tool');
  const [row] = await ctx.db
    .select()
    .from(tools)
    .where(and(eq(tools.id, id), eq(tools.organizationId, ctx.orgId)));
  if (!row) throw notFound('Tool');
  return row;
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export async function listTools(ctx: OrgCtx, filters: ToolFilters, page: PageRequest): Promise<{ total: number; results: PublicTool[] }> {
  const where: SQL[] = [eq(tools.organizationId, ctx.orgId)];
  if (filters.connection_id) where.push(eq(tools.connectionId, filters.connection_id));
  if (filters.environment_id) where.push(eq(tools.environmentId, filters.environment_id));
  if (filters.sync_status) where.push(eq(tools.syncStatus, filters.sync_status));
  if (filters.enabled !== undefined) where.push(eq(tools.enabled, filters.enabled));
  if (filters.search) {
    const pattern = `%${escapeLike(filters.search)}%`;
    where.push(or(ilike(tools.name, pattern), ilike(tools.description, pattern))!);
  }
  const [{ total } = { total: 0 }] = await ctx.db.select({ total: count() }).from(tools).where(and(...where));
  const rows = await ctx.db
    .select()
    .from(tools)
    .where(and(...where))
    .orderBy(asc(tools.name), asc(tools.version), asc(tools.id))
    .limit(page.pageSize)
    .offset(page.offset);
  return { total, results: rows.map(toPublicTool) };
}

export async function getTool(ctx: OrgCtx, id: string): Promise<PublicToolDetail> {
  return toDetail(await getToolOrThrow(ctx, id));
}

export async function createTool(ctx: OrgCtx, input: CreateToolInput): Promise<PublicToolDetail> {
  const [connection] = await ctx.db
    .select({ id: connections.id, environmentId: connections.environmentId })
    .from(connections)
    .where(and(eq(connections.id, input.connection_id), eq(connections.organizationId, ctx.orgId)));
  if (!connection) throw invalidInput({ connection_id: ['Unknown connection'] });
  assertSchema(input.schema_json);
  const definition: ToolDefinition = { description: input.description, inputSchema: input.schema_json, outputSchema: null, annotations: {} };
  const row = await withUniqueFields(UNIQUE, () =>
    ctx.db.transaction(async (tx) => {
      const [created] = await tx
        .insert(tools)
        .values({
          organizationId: ctx.orgId,
          environmentId: connection.environmentId,
          connectionId: connection.id,
          name: input.name,
          version: input.version,
          origin: 'manual',
          schemaJson: input.schema_json,
          description: input.description,
          enabled: input.enabled,
          syncStatus: 'synced',
          definitionHash: definitionHash(definition),
        })
        .returning();
      await recordAudit(tx, ctx, {
        organizationId: ctx.orgId,
        action: 'tool.create',
        eventType: 'tool_created',
        target: `tool:${created!.id}`,
        data: { name: created!.name, version: created!.version, connection_id: connection.id },
      });
      return created!;
    }),
  );
  return toDetail(row);
}

/**
 * Updates a tool. A synced tool's definition belongs to its upstream: members may switch it on or
 * off, but its name, version, description and schema change only through sync and an admin's
 * approval — a hand edit would make the gateway validate calls against a schema the server does
 * not have, and would let a member loosen what review approved. Manual tools are fully editable.
 */
export async function updateTool(ctx: OrgCtx, id: string, input: PatchToolInput): Promise<PublicToolDetail> {
  const current = await getToolOrThrow(ctx, id);
  if (current.origin === 'sync') {
    const differs: Record<string, string[]> = {};
    const msg = ['Comes from the upstream server: it changes through sync and approval only'];
    if (input.name !== undefined && input.name !== current.name) differs.name = msg;
    if (input.version !== undefined && input.version !== current.version) differs.version = msg;
    if (input.description !== undefined && input.description !== current.description) differs.description = msg;
    if (input.schema_json !== undefined && canonicalJson(input.schema_json) !== canonicalJson(current.schemaJson)) differs.schema_json = msg;
    if (Object.keys(differs).length) throw new AppError('conflict', 'This tool is synced from its connection; only enabled can be changed here', { fields: differs });
  }
  if (input.schema_json !== undefined) assertSchema(input.schema_json);
  const next = {
    name: input.name ?? current.name,
    version: input.version ?? current.version,
    description: input.description !== undefined ? input.description : current.description,
    schemaJson: input.schema_json ?? current.schemaJson,
    enabled: input.enabled ?? current.enabled,
    rateLimitCapacity: input.rate_limit_capacity !== undefined ? input.rate_limit_capacity : current.rateLimitCapacity,
    rateLimitRefillPerSec: input.rate_limit_refill_per_sec !== undefined ? input.rate_limit_refill_per_sec : current.rateLimitRefillPerSec,
  };
  const row = await withUniqueFields(UNIQUE, () =>
    ctx.db.transaction(async (tx) => {
      const [updated] = await tx
        .update(tools)
        .set({
          ...next,
          ...(current.origin === 'manual' ? { definitionHash: definitionHash(definitionOf({ ...current, ...next })) } : {}),
          updatedAt: new Date(),
        })
        .where(and(eq(tools.id, current.id), eq(tools.organizationId, ctx.orgId)))
        .returning();
      await recordAudit(tx, ctx, {
        organizationId: ctx.orgId,
        action: 'tool.update',
        eventType: input.enabled !== undefined && input.enabled !== current.enabled ? (input.enabled ? 'tool_enabled' : 'tool_disabled') : 'tool_updated',
        target: `tool:${current.id}`,
        data: { name: current.name, changed_fields: changedFields(input) },
      });
      return updated!;
    }),
  );
  return toDetail(row);
}

export async function deleteTool(ctx: OrgCtx, id: string): Promise<void> {
  const current = await getToolOrThrow(ctx, id);
  // Deleting a held tool and syncing again would re-approve the new definition on first sight:
  // that is an approval, so it needs the approver's role.
  if (current.syncStatus === 'pending_review') authorize(ctx, 'tool.approve');
  await ctx.db.transaction(async (tx) => {
    await tx.delete(tools).where(and(eq(tools.id, current.id), eq(tools.organizationId, ctx.orgId)));
    await recordAudit(tx, ctx, {
      organizationId: ctx.orgId,
      action: 'tool.delete',
      eventType: 'tool_deleted',
      target: `tool:${current.id}`,
      data: { name: current.name, version: current.version, origin: current.origin, sync_status: current.syncStatus },
    });
  });
}

interface PendingDefinition {
  description: string | null;
  input_schema: Record<string, unknown>;
  output_schema: Record<string, unknown> | null;
  annotations: Record<string, unknown>;
  hash: string;
}

/** An admin accepts the definition a sync held back: it becomes the approved one, and the tool runs again. */
export async function approveTool(ctx: OrgCtx, id: string, input: ApproveToolInput): Promise<PublicToolDetail> {
  const current = await getToolOrThrow(ctx, id);
  const pending = current.pendingDefinition as PendingDefinition | null;
  if (current.syncStatus !== 'pending_review' || !pending) {
    throw new AppError('conflict', 'This tool has no changed definition waiting for approval', { sync_status: current.syncStatus });
  }
  if (input.definition_hash && input.definition_hash !== pending.hash) {
    throw new AppError('conflict', 'The pending definition changed since it was reviewed; review it again', { definition_hash: pending.hash });
  }
  const next: ToolDefinition = {
    description: pending.description ?? null,
    inputSchema: pending.input_schema ?? {},
    outputSchema: pending.output_schema ?? null,
    annotations: pending.annotations ?? {},
  };
  // Sync only holds valid schemas for review; checked again all the same, it becomes the run schema.
  assertSchema(next.inputSchema);
  const row = await ctx.db.transaction(async (tx) => {
    const [updated] = await tx
      .update(tools)
      .set({
        description: next.description,
        schemaJson: next.inputSchema,
        outputSchema: next.outputSchema,
        annotations: next.annotations,
        definitionHash: definitionHash(next),
        pendingDefinition: null,
        syncStatus: 'synced',
        syncedAt: new Date(),
        updatedAt: new Date(),
      })
      .where(and(eq(tools.id, current.id), eq(tools.organizationId, ctx.orgId), eq(tools.syncStatus, 'pending_review')))
      .returning();
    if (!updated) throw new AppError('conflict', 'This tool has no changed definition waiting for approval');
    await recordAudit(tx, ctx, {
      organizationId: ctx.orgId,
      action: 'tool.approve',
      eventType: 'tool_definition_approved',
      target: `tool:${current.id}`,
      data: { name: current.name, connection_id: current.connectionId, definition_hash: updated.definitionHash, ...definitionDiff(definitionOf(current), next) },
    });
    return updated;
  });
  return toDetail(row);
}
