// `sync`: read every tool an upstream MCP server offers (all tools/list pages, within caps) and
// bring the connection's synced tools in line, in one transaction (API-NOTES "Tools and names"):
//   - a new tool is approved on first sight (trust on first use) and becomes `synced`;
//   - a tool whose definition hash equals the approved one stays (or becomes again) `synced`;
//   - a tool whose definition changed becomes `pending_review`: the approved definition stays in
//     force (not runnable meanwhile), the new one waits in pending_definition for an admin, and
//     the change is audited as a diff summary — no silent tool redefinition;
//   - bad names → `invalid_name`, unusable schemas → `invalid_schema`, both disabled;
//   - tools gone upstream → `stale`.
// Progress is kept in the connection's status_detail.sync so a console can poll it.
import { and, eq, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import { connections, tools, type Connection, type NewTool, type Tool, type ToolSyncStatus } from '@/db/schema';
import { AppError } from '@/lib/api/errors';
import { recordAudit } from '@/lib/audit/record';
import type { UserCtx } from '@/lib/auth/context';
import { connectionCtx } from '@/lib/connections/test-connection';
import { upstreamSpecOf } from '@/lib/connections/upstream';
import { env } from '@/lib/env';
import { upstreamFailure, withUpstreamClient } from '@/lib/mcp/client/connect';
import type { OrgCtx } from '@/lib/tenancy/access';
import { definitionDiff, definitionHash, type ToolDefinition } from './definition';
import { checkToolSchema } from './schema-check';

export const TOOL_NAME = /^[A-Za-z0-9_.-]{1,128}$/;
/** Synced tools have no versions upstream; they all live under this one. */
export const SYNC_VERSION = '1.0.0';
/** Longer upstream names are not stored at all (they would not fit an index); counted invalid_name. */
const MAX_STORED_NAME = 512;
const INSERT_CHUNK = 500;

export interface SyncCounts {
  created: number;
  updated: number;
  unchanged: number;
  pending_review: number;
  stale: number;
  invalid_name: number;
  invalid_schema: number;
}

export interface SyncResult {
  connection_id: string;
  counts: SyncCounts;
  tools_total: number;
  pages: number;
  duration_ms: number;
}

// Lenient on purpose: one malformed tool must not make the whole list unreadable (the SDK's own
// listTools rejects every tool when one input schema is not an object schema).
const listResultSchema = z.looseObject({
  tools: z.array(z.unknown()),
  nextCursor: z.string().optional(),
});

interface UpstreamTool {
  name: string;
  definition: ToolDefinition;
  /** The input schema as sent, before any defaulting. */
  rawInputSchema: unknown;
}

const asObject = (v: unknown): Record<string, unknown> | null => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null);

function upstreamToolOf(raw: unknown): UpstreamTool | null {
  const t = asObject(raw);
  if (!t || typeof t.name !== 'string' || t.name.length === 0) return null;
  return {
    name: t.name,
    rawInputSchema: t.inputSchema,
    definition: {
      description: typeof t.description === 'string' ? t.description : null,
      inputSchema: asObject(t.inputSchema) ?? {},
      outputSchema: asObject(t.outputSchema),
      annotations: asObject(t.annotations) ?? {},
    },
  };
}

interface Listing {
  tools: UpstreamTool[];
  pages: number;
}

async function listAllTools(ctx: OrgCtx, connection: Connection, progress: (pages: number, seen: number) => Promise<void>): Promise<Listing> {
  const { MCP_SYNC_MAX_PAGES: maxPages, MCP_SYNC_MAX_TOOLS: maxTools } = env();
  const spec = await upstreamSpecOf(ctx, connection);
  return withUpstreamClient(spec, async ({ client }) => {
    const byName = new Map<string, UpstreamTool>();
    let cursor: string | undefined;
    let pages = 0;
    let seen = 0;
    for (;;) {
      if (pages >= maxPages) {
        throw new AppError('upstream_error', `The upstream server offers more than ${maxPages} pages of tools (MCP_SYNC_MAX_PAGES); nothing was changed`, {
          reason: 'too_many_pages',
          max_pages: maxPages,
        });
      }
      const page = await client.request({ method: 'tools/list', params: cursor ? { cursor } : {} }, listResultSchema);
      pages++;
      seen += page.tools.length;
      if (seen > maxTools) {
        throw new AppError('upstream_error', `The upstream server offers more than ${maxTools} tools (MCP_SYNC_MAX_TOOLS); nothing was changed`, {
          reason: 'too_many_tools',
          max_tools: maxTools,
        });
      }
      for (const raw of page.tools) {
        const tool = upstreamToolOf(raw);
        // The first definition of a name wins; nameless entries are not tools.
        if (tool && !byName.has(tool.name)) byName.set(tool.name, tool);
      }
      await progress(pages, seen);
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    return { tools: [...byName.values()], pages };
  });
}

const approvedOf = (t: Tool): ToolDefinition => ({
  description: t.description,
  inputSchema: t.schemaJson,
  outputSchema: t.outputSchema,
  annotations: t.annotations,
});

/** Stored form of a definition that waits (pending_review) or cannot be used (invalid_*). */
const pendingOf = (d: ToolDefinition, hash: string) => ({
  description: d.description,
  input_schema: d.inputSchema,
  output_schema: d.outputSchema,
  annotations: d.annotations,
  hash,
});

interface Plan {
  rows: NewTool[];
  staleIds: string[];
  counts: SyncCounts;
  changes: { id: string | null; name: string; diff: ReturnType<typeof definitionDiff> }[];
}

/** Decides every tool's new row from the upstream list and the stored rows (pure: no I/O). */
export function planSync(connection: Connection, upstream: UpstreamTool[], existing: Tool[], now: Date): Plan {
  const counts: SyncCounts = { created: 0, updated: 0, unchanged: 0, pending_review: 0, stale: 0, invalid_name: 0, invalid_schema: 0 };
  const byName = new Map(existing.map((t) => [t.name, t]));
  const rows: NewTool[] = [];
  const changes: Plan['changes'] = [];
  const base = { organizationId: connection.organizationId, environmentId: connection.environmentId, connectionId: connection.id, version: SYNC_VERSION, origin: 'sync' as const };

  for (const u of upstream) {
    if (u.name.length > MAX_STORED_NAME) {
      counts.invalid_name++;
      continue;
    }
    const current = byName.get(u.name);
    // A hand-made tool of the same name and version is the member's; sync leaves it alone.
    if (current && current.origin !== 'sync') continue;
    const hash = definitionHash(u.definition);
    const keep = current
      ? { schemaJson: current.schemaJson, description: current.description, outputSchema: current.outputSchema, annotations: current.annotations, definitionHash: current.definitionHash }
      : { schemaJson: {}, description: u.definition.description, outputSchema: null, annotations: {}, definitionHash: null };
    const invalid = (status: ToolSyncStatus) => {
      counts[status as 'invalid_name' | 'invalid_schema']++;
      rows.push({ ...base, ...keep, name: u.name, enabled: false, syncStatus: status, syncedAt: now, pendingDefinition: pendingOf(u.definition, hash), updatedAt: now });
    };
    if (!TOOL_NAME.test(u.name)) {
      invalid('invalid_name');
      continue;
    }
    // A definition already approved, or already held for review, passed this check when it was
    // first seen: a re-sync of unchanged tools does not compile 1,000 schemas again.
    const known = current !== undefined && (current.definitionHash === hash || (current.syncStatus === 'pending_review' && (current.pendingDefinition as { hash?: string } | null)?.hash === hash));
    if (!known && !checkToolSchema(u.rawInputSchema).ok) {
      invalid('invalid_schema');
      continue;
    }
    const approve = {
      schemaJson: u.definition.inputSchema,
      description: u.definition.description,
      outputSchema: u.definition.outputSchema,
      annotations: u.definition.annotations,
      definitionHash: hash,
      syncStatus: 'synced' as const,
      pendingDefinition: null,
    };
    if (!current) {
      counts.created++;
      rows.push({ ...base, ...approve, name: u.name, enabled: true, syncedAt: now, updatedAt: now });
    } else if (current.definitionHash === null) {
      // Never approved (it was invalid until now): first usable sight, trusted like a new tool.
      counts.updated++;
      rows.push({ ...base, ...approve, name: u.name, enabled: current.enabled, syncedAt: now, updatedAt: now });
    } else if (current.definitionHash === hash) {
      if (current.syncStatus === 'synced' && current.pendingDefinition === null) counts.unchanged++;
      else counts.updated++;
      rows.push({ ...base, ...approve, name: u.name, enabled: current.enabled, syncedAt: now, updatedAt: current.syncStatus === 'synced' && current.pendingDefinition === null ? current.updatedAt : now });
    } else {
      counts.pending_review++;
      const alreadyPending = current.syncStatus === 'pending_review' && (current.pendingDefinition as { hash?: string } | null)?.hash === hash;
      if (!alreadyPending) changes.push({ id: current.id, name: u.name, diff: definitionDiff(approvedOf(current), u.definition) });
      rows.push({ ...base, ...keep, name: u.name, enabled: current.enabled, syncStatus: 'pending_review', syncedAt: now, pendingDefinition: pendingOf(u.definition, hash), updatedAt: alreadyPending ? current.updatedAt : now });
    }
  }
  const offered = new Set(upstream.map((u) => u.name));
  const staleIds = existing.filter((t) => t.origin === 'sync' && !offered.has(t.name) && t.syncStatus !== 'stale').map((t) => t.id);
  counts.stale = staleIds.length;
  return { rows, staleIds, counts, changes };
}

const excluded = (column: string) => sql.raw(`excluded."${column}"`);

async function applyPlan(ctx: OrgCtx, connection: Connection, upstream: UpstreamTool[], now: Date): Promise<Plan> {
  return ctx.db.transaction(async (tx) => {
    // One sync at a time per connection: the second waits here and plans from the first's result.
    await tx.execute(sql`select id from ${connections} where ${connections.id} = ${connection.id} for update`);
    const existing = await tx.select().from(tools).where(and(eq(tools.connectionId, connection.id), eq(tools.version, SYNC_VERSION)));
    const plan = planSync(connection, upstream, existing, now);
    for (let i = 0; i < plan.rows.length; i += INSERT_CHUNK) {
      await tx
        .insert(tools)
        .values(plan.rows.slice(i, i + INSERT_CHUNK))
        .onConflictDoUpdate({
          target: [tools.connectionId, tools.name, tools.version],
          set: {
            schemaJson: excluded('schema_json'),
            description: excluded('description'),
            outputSchema: excluded('output_schema'),
            annotations: excluded('annotations'),
            enabled: excluded('enabled'),
            syncStatus: excluded('sync_status'),
            syncedAt: excluded('synced_at'),
            definitionHash: excluded('definition_hash'),
            pendingDefinition: excluded('pending_definition'),
            updatedAt: excluded('updated_at'),
          },
          setWhere: sql`${tools.origin} = 'sync'`,
        });
    }
    for (let i = 0; i < plan.staleIds.length; i += INSERT_CHUNK) {
      await tx
        .update(tools)
        .set({ syncStatus: 'stale', updatedAt: now })
        .where(and(eq(tools.connectionId, connection.id), inArray(tools.id, plan.staleIds.slice(i, i + INSERT_CHUNK))));
    }
    // Redefinitions are rare and each deserves its own event (target tool:<id>), so one insert each.
    for (const change of plan.changes) {
      await recordAudit(tx, ctx, {
        organizationId: ctx.orgId,
        action: 'tool.definition_changed',
        eventType: 'tool_definition_changed',
        target: `tool:${change.id}`,
        data: { connection_id: connection.id, name: change.name, ...change.diff },
      });
    }
    await recordAudit(tx, ctx, {
      organizationId: ctx.orgId,
      action: 'connection.sync',
      eventType: 'connection_sync_succeeded',
      target: `connection:${connection.id}`,
      data: { counts: plan.counts, tools_total: upstream.length },
    });
    return plan;
  });
}

async function saveSyncState(ctx: OrgCtx, connection: Connection, sync: Record<string, unknown>, status?: 'ok' | 'error'): Promise<void> {
  // Merged in SQL: other parts of status_detail (the last test's findings) stay.
  await ctx.db
    .update(connections)
    .set({
      statusDetail: sql`${connections.statusDetail} || ${JSON.stringify({ sync })}::jsonb`,
      ...(status ? { status, ...(status === 'ok' ? { lastSeenAt: new Date() } : {}) } : {}),
      updatedAt: new Date(),
    })
    .where(and(eq(connections.id, connection.id), eq(connections.organizationId, ctx.orgId)));
}

export async function syncConnection(userCtx: UserCtx, id: string): Promise<SyncResult> {
  const { ctx, connection } = await connectionCtx(userCtx, id, 'connection.manage');
  if (!connection.enabled) throw new AppError('conflict', 'This connection is disabled');
  const startedAt = new Date();
  const started = performance.now();
  const state = { phase: 'listing', pages: 0, tools_seen: 0, started_at: startedAt.toISOString(), finished_at: null as string | null };
  await saveSyncState(ctx, connection, state);
  let listing: Listing;
  try {
    listing = await listAllTools(ctx, connection, async (pages, seen) => {
      Object.assign(state, { pages, tools_seen: seen });
      await saveSyncState(ctx, connection, state);
    });
  } catch (error) {
    const failure = upstreamFailure(error);
    await saveSyncState(ctx, connection, { ...state, phase: 'failed', error: failure.message, finished_at: new Date().toISOString() }, 'error');
    await recordAudit(ctx.db, ctx, {
      organizationId: ctx.orgId,
      action: 'connection.sync',
      eventType: 'connection_sync_failed',
      target: `connection:${connection.id}`,
      decision: 'deny',
      data: { error: failure.message, pages: state.pages, tools_seen: state.tools_seen },
    });
    throw failure;
  }
  Object.assign(state, { phase: 'saving' });
  await saveSyncState(ctx, connection, state);
  let plan: Plan;
  try {
    plan = await applyPlan(ctx, connection, listing.tools, startedAt);
  } catch (error) {
    // The transaction rolled back: no tool changed. The route answers (and logs) the error.
    await saveSyncState(ctx, connection, { ...state, phase: 'failed', error: 'The tools could not be saved', finished_at: new Date().toISOString() }, 'error');
    throw error;
  }
  const result: SyncResult = {
    connection_id: connection.id,
    counts: plan.counts,
    tools_total: listing.tools.length,
    pages: listing.pages,
    duration_ms: Math.round(performance.now() - started),
  };
  await saveSyncState(ctx, connection, { ...state, phase: 'done', finished_at: new Date().toISOString(), counts: plan.counts, tools_total: result.tools_total, duration_ms: result.duration_ms }, 'ok');
  return result;
}
