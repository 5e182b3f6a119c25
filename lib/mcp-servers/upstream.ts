// How the gateway reaches a registered MCP server: the same UpstreamSpec lib/connections/upstream.ts
// builds for a connection through a registration (stdio child keyed `registration:<id>` in the
// pool; URL with bearer credentials resolved at the moment of use).
import type { McpServerRegistration } from '@/db/schema';
import type { UpstreamSpec } from '@/lib/mcp/client/connect';
import { resolveSecret } from '@/lib/secrets/service';
import type { OrgCtx } from '@/lib/tenancy/access';

/** The stdio pool key of a registration (shared with lib/connections/upstream.ts). */
export const registrationPoolKey = (id: string) => `registration:${id}`;

export async function registrationUpstreamSpec(
  ctx: Pick<OrgCtx, 'db' | 'orgId'>,
  reg: McpServerRegistration,
  secretOf: (ref: string) => Promise<string> = (ref) => resolveSecret(ctx, ref),
): Promise<UpstreamSpec> {
  if (reg.serverType === 'stdio') {
    return {
      transport: 'stdio',
      key: registrationPoolKey(reg.id),
      server: { command: reg.command ?? '', args: reg.args ?? [], env: reg.envVars ?? {}, secrets: { db: ctx.db, orgId: ctx.orgId } },
    };
  }
  const headers: Record<string, string> =
    reg.authMethod === 'bearer' && reg.secretRef ? { authorization: `Bearer ${await secretOf(reg.secretRef)}` } : {};
  return { transport: reg.serverType === 'ws' ? 'websocket' : 'streamable_http', url: reg.endpoint ?? '', headers };
}
