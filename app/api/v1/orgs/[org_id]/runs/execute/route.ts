// POST /api/v1/orgs/{org_id}/runs/execute/ – run a tool through the execution pipeline: an agent
// for itself (agent credential with runs.execute), or a member as an agent (agent_id). 201 with
// MCP-shaped content; refusals answer 4xx/5xx with the run id in details (API-NOTES "Execution").
import { apiRoute, json } from '@/lib/api/route';
import { executeSchema } from '@/lib/runs/schemas';
import { executeRun } from '@/lib/runs/service';

export const POST = apiRoute({ auth: 'user_or_agent', permission: 'run.execute' }, async ({ req, ctx, body }) =>
  json(await executeRun(ctx, await body(executeSchema), req.signal), 201),
);
