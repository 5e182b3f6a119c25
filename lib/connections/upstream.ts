// How to reach a connection's server: its URL (with credentials from its secret ref) or its
// registered MCP server (stdio command, or URL). Secrets are resolved here, at the moment of use.
import { and, eq } from 'drizzle-orm';
import { mcpServerRegistrations, type Connection, type McpServerRegistration } from '@/db/schema';
import { AppError } from '@/lib/api/errors';
import type { UpstreamSpec } from '@/lib/mcp/client/connect';
import { registrationUpstreamSpec } from '@/lib/mcp-servers/upstream';
import { resolveSecret } from '@/lib/secrets/service';
import type { OrgCtx } from '@/lib/tenancy/access';

export interface Prefetched {
  /** The connection's registration, already read with it (undefined: read it here). */
  registration?: McpServerRegistration | null;
  /** Resolves the bearer secret (default: the secret store); the execute pipeline passes one that decrypts a row it already read. */
  resolveSecret?: (ref: string) => Promise<string>;
}

export async function upstreamSpecOf(ctx: Pick<OrgCtx, 'db' | 'orgId'>, connection: Connection, prefetched: Prefetched = {}): Promise<UpstreamSpec> {
  const secretOf = prefetched.resolveSecret ?? ((ref: string) => resolveSecret(ctx, ref));
  if (connection.endpoint) {
    const transport = (connection.transport ?? 'streamable_http') as 'streamable_http' | 'sse' | 'websocket';
    const headers: Record<string, string> =
      connection.authMethod === 'bearer' && connection.secretRef ? { authorization: `Bearer ${await secretOf(connection.secretRef)}` } : {};
    return { transport, url: connection.endpoint, headers };
  }
  if (!connection.mcpServerRegistrationId) throw new AppError('conflict', 'This connection has no endpoint');
  let reg = prefetched.registration;
  if (reg === undefined) {
    [reg] = await ctx.db
      .select()
      .from(mcpServerRegistrations)
      .where(and(eq(mcpServerRegistrations.id, connection.mcpServerRegistrationId), eq(mcpServerRegistrations.organizationId, ctx.orgId)));
  }
  if (!reg) throw new AppError('conflict', 'The MCP server registration of this connection is gone');
  if (!reg.enabled) throw new AppError('conflict', 'The MCP server registration of this connection is disabled');
  return registrationUpstreamSpec(ctx, reg, secretOf);
}
