// GET /api/v1/orgs/{org_id}/runs/ – runs, newest first (filters status, environment_id, agent_id,
// tool_id, since, until; cursor paging: follow `next`).
import { apiRoute, json } from '@/lib/api/route';
import { parseInput } from '@/lib/api/validation';
import { runFiltersSchema } from '@/lib/runs/schemas';
import { listRuns } from '@/lib/runs/service';

export const GET = apiRoute({ auth: 'user', permission: 'org.read' }, async ({ ctx, url }) =>
  json(await listRuns(ctx, parseInput(runFiltersSchema, Object.fromEntries(url.searchParams)), url)),
);
