// `test`: open an MCP session to the connection's server and report who answered, with which
// protocol and capabilities, and how fast. The outcome is stored as the connection's status;
// a failure answers 4xx/502/504 with a public message — never a 500, never a port-scan oracle.
import { and, eq } from 'drizzle-orm';
import { connections, type Connection } from '@/db/schema';
import { AppError, notFound } from '@/lib/api/errors';
import { recordAudit } from '@/lib/audit/record';
import type { UserCtx } from '@/lib/auth/context';
import { upstreamFailure, withUpstreamClient } from '@/lib/mcp/client/connect';
import { isUuid, requireOrgAccess, type OrgCtx } from '@/lib/tenancy/access';
import { upstreamSpecOf } from './upstream';

export interface ConnectionTestResult {
  connection_id: string;
  status: 'ok';
  server_info: { name: string; version: string } | null;
  protocol_version: string | null;
  capabilities: Record<string, unknown>;
  instructions: string | null;
  latency_ms: number;
}

/**
 * The org-scoped context for a connection addressed without its org in the path
 * (`/api/v1/connections/{id}/…`): the org is read from the row, then checked like any org path.
 */
export async function connectionCtx(ctx: UserCtx, id: string, permission: 'connection.manage'): Promise<{ ctx: OrgCtx; connection: Connection }> {
  if (!isUuid(id)) throw notFound('Connection');
  const [row] = await ctx.db.select().from(connections).where(eq(connections.id, id));
  if (!row) throw notFound('Connection');
  try {
    return { ctx: await requireOrgAccess(ctx, row.organizationId, permission), connection: row };
  } catch (error) {
    // Not a member: the connection does not exist for this caller.
    if (error instanceof AppError && error.code === 'not_found') throw notFound('Connection');
    throw error;
  }
}

async function saveStatus(ctx: OrgCtx, id: string, status: 'ok' | 'error', detail: Record<string, unknown>): Promise<void> {
  await ctx.db
    .update(connections)
    .set({ status, statusDetail: detail, ...(status === 'ok' ? { lastSeenAt: new Date() } : {}), updatedAt: new Date() })
    .where(and(eq(connections.id, id), eq(connections.organizationId, ctx.orgId)));
}

export async function testConnection(userCtx: UserCtx, id: string): Promise<ConnectionTestResult> {
  const { ctx, connection } = await connectionCtx(userCtx, id, 'connection.manage');
  return checkConnection(ctx, connection);
}

/** The check itself, for a connection already resolved in the caller's organization. */
export async function checkConnection(ctx: OrgCtx, connection: Connection): Promise<ConnectionTestResult> {
  if (!connection.enabled) throw new AppError('conflict', 'This connection is disabled');
  const started = performance.now();
  try {
    const spec = await upstreamSpecOf(ctx, connection);
    const result = await withUpstreamClient(spec, async ({ client, protocolVersion }) => {
      const server = client.getServerVersion();
      return {
        connection_id: connection.id,
        status: 'ok' as const,
        server_info: server ? { name: server.name, version: server.version } : null,
        protocol_version: protocolVersion,
        capabilities: (client.getServerCapabilities() ?? {}) as Record<string, unknown>,
        instructions: client.getInstructions() ?? null,
        latency_ms: Math.round(performance.now() - started),
      };
    });
    await saveStatus(ctx, connection.id, 'ok', { server_info: result.server_info, protocol_version: result.protocol_version, latency_ms: result.latency_ms });
    await recordAudit(ctx.db, ctx, {
      organizationId: ctx.orgId,
      action: 'connection.test',
      eventType: 'connection_test_succeeded',
      target: `connection:${connection.id}`,
      data: { latency_ms: result.latency_ms },
    });
    return result;
  } catch (error) {
    const failure = upstreamFailure(error);
    await saveStatus(ctx, connection.id, 'error', { error: failure.message, checked_at: new Date().toISOString() });
    await recordAudit(ctx.db, ctx, {
      organizationId: ctx.orgId,
      action: 'connection.test',
      eventType: 'connection_test_failed',
      target: `connection:${connection.id}`,
      decision: 'deny',
      data: { error: failure.message },
    });
    throw failure;
  }
}
