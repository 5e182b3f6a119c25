// POST /api/v1/orgs/{org_id}/mcp/servers/{id}/health-check/ – initialize + ping the registered
// server now (stdio through the pool) and record last_health_check, health_status and
// health_message. Answers {status, message, latency_ms, checked_at}: 200 whether the server is
// healthy or not — the check itself ran, an unreachable server is its result (status
// "unhealthy" with a public message), not a failure of this request. 409 when disabled.
import { apiRoute, json } from '@/lib/api/route';
import { checkMcpServerHealth } from '@/lib/mcp-servers/service';

type P = { org_id: string; id: string };

export const POST = apiRoute<P>({ auth: 'user', permission: 'mcp_server.manage' }, async ({ ctx, params }) =>
  json(await checkMcpServerHealth(ctx, params.id)),
);
