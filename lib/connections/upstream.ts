// How to reach a connection's server: its URL (with credentials from its secret ref) or its
// registered MCP server (stdio command, or URL). Secrets are resolved here, at the moment of use.
import { and, eq } from 'drizzle-orm';
import { mcpServerRegistrations, type Connection } from '@/db/schema';
import { AppError } from '@/lib/api/errors';
import type { UpstreamSpec } from '@/lib/mcp/client/connect';
import { resolveSecret } from '@/lib/secrets/service';
import type { OrgCtx } from '@/lib/tenancy/access';

async function authHeaders(ctx: Pick<OrgCtx, 'db' | 'orgId'>, authMethod: string, secretRef: string | null): Promise<Record<string, string>> {
  if (authMethod !== 'bearer' || !secretRef) return {};
  return { authorization: `Bearer ${await resolveSecret(ctx, secretRef)}` };
}

export async function upstreamSpecOf(ctx: Pick<OrgCtx, 'db' | 'orgId'>, connection: Connection): Promise<UpstreamSpec> {
  if (connection.endpoint) {
    const transport = (connection.transport ?? 'streamable_http') as 'streamable_http' | 'sse' | 'websocket';
    return { transport, url: connection.endpoint, headers: await authHeaders(ctx, connection.authMethod, connection.secretRef) };
  }
  if (!connection.mcpServerRegistrationId) throw new AppError('conflict', 'This connection has no endpoint');
  const [reg] = await ctx.db
    .select()
    .from(mcpServerRegistrations)
    .where(and(eq(mcpServerRegistrations.id, connection.mcpServerRegistrationId), eq(mcpServerRegistrations.organizationId, ctx.orgId)));
  if (!reg) throw new AppError('conflict', 'The MCP server registration of this connection is gone');
  if (!reg.enabled) throw new AppError('conflict', 'The MCP server registration of this connection is disabled');
  if (reg.serverType === 'stdio') {
    return {
      transport: 'stdio',
      key: `registration:${reg.id}`,
      server: { command: reg.command ?? '', args: (reg.args as string[]) ?? [], env: (reg.envVars as Record<string, string>) ?? {}, secrets: { db: ctx.db, orgId: ctx.orgId } },
    };
  }
  const headers = await authHeaders(ctx, reg.authMethod, reg.secretRef);
  return { transport: reg.serverType === 'ws' ? 'websocket' : 'streamable_http', url: reg.endpoint ?? '', headers };
}
