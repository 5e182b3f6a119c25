// GET /api/v1/orgs/{org_id}/mcp/servers/ – list registered MCP servers (filters environment_id,
// server_type, enabled; paged). POST – register one (admin; stdio per MCP_STDIO_REGISTRATION and
// only commands on MCP_STDIO_ALLOWED_COMMANDS).
import { listBody, parsePage } from '@/lib/api/pagination';
import { apiRoute, json } from '@/lib/api/route';
import { parseInput } from '@/lib/api/validation';
import { createMcpServerSchema, mcpServerFiltersSchema } from '@/lib/mcp-servers/schemas';
import { createMcpServer, listMcpServers } from '@/lib/mcp-servers/service';

export const GET = apiRoute({ auth: 'user', permission: 'org.read' }, async ({ ctx, url }) => {
  const page = parsePage(url);
  const filters = parseInput(mcpServerFiltersSchema, Object.fromEntries(url.searchParams));
  const { total, results } = await listMcpServers(ctx, filters, page);
  return json(listBody(url, page, total, results));
});

export const POST = apiRoute({ auth: 'user', permission: 'mcp_server.manage' }, async ({ ctx, body }) =>
  json(await createMcpServer(ctx, await body(createMcpServerSchema)), 201),
);
