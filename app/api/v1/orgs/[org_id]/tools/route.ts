// GET /api/v1/orgs/{org_id}/tools/ – list (filters connection_id, environment_id, sync_status,
// enabled, search; paged). POST – create a manual tool on a connection of the org (member).
import { listBody, parsePage } from '@/lib/api/pagination';
import { apiRoute, json } from '@/lib/api/route';
import { parseInput } from '@/lib/api/validation';
import { createToolSchema, toolFiltersSchema } from '@/lib/tools/schemas';
import { createTool, listTools } from '@/lib/tools/service';

export const GET = apiRoute({ auth: 'user', permission: 'org.read' }, async ({ ctx, url }) => {
  const page = parsePage(url);
  const filters = parseInput(toolFiltersSchema, Object.fromEntries(url.searchParams));
  const { total, results } = await listTools(ctx, filters, page);
  return json(listBody(url, page, total, results));
});

export const POST = apiRoute({ auth: 'user', permission: 'tool.manage' }, async ({ ctx, body }) => json(await createTool(ctx, await body(createToolSchema)), 201));
