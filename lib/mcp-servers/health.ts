// One health check of a registered MCP server: initialize + ping through the MCP client (stdio
// through the pool), timed, and recorded on the registration. The message stored and answered is
// the public one of upstreamFailure — never a secret, never what answered where.
import { and, eq } from 'drizzle-orm';
import { mcpServerRegistrations, type McpServerRegistration } from '@/db/schema';
import { upstreamFailure, withUpstreamClient } from '@/lib/mcp/client/connect';
import type { OrgCtx } from '@/lib/tenancy/access';
import { registrationUpstreamSpec } from './upstream';

export interface HealthCheckResult {
  status: 'healthy' | 'unhealthy';
  message: string;
  latency_ms: number;
  checked_at: string;
}

const PING_TIMEOUT_MS = 10_000;
const CONNECT_TIMEOUT_MS = 15_000;

/** Runs the check and stores its outcome; never throws for an upstream failure. */
export async function runHealthCheck(ctx: Pick<OrgCtx, 'db' | 'orgId'>, reg: McpServerRegistration): Promise<HealthCheckResult> {
  const started = performance.now();
  let status: HealthCheckResult['status'];
  let message: string;
  try {
    const spec = await registrationUpstreamSpec(ctx, reg);
    const server = await withUpstreamClient(
      spec,
      async ({ client }) => {
        await client.ping({ timeout: PING_TIMEOUT_MS });
        return client.getServerVersion();
      },
      { connectTimeoutMs: CONNECT_TIMEOUT_MS },
    );
    status = 'healthy';
    message = server ? `${server.name} ${server.version} answered initialize and ping` : 'The server answered initialize and ping';
  } catch (error) {
    status = 'unhealthy';
    message = upstreamFailure(error).message;
  }
  const latency = Math.round(performance.now() - started);
  const checkedAt = new Date();
  await ctx.db
    .update(mcpServerRegistrations)
    .set({ lastHealthCheck: checkedAt, healthStatus: status, healthMessage: message })
    .where(and(eq(mcpServerRegistrations.id, reg.id), eq(mcpServerRegistrations.organizationId, ctx.orgId)));
  return { status, message, latency_ms: latency, checked_at: checkedAt.toISOString() };
}
