// GET /api/v1/orgs/{org_id}/agents/ – list (any member; ?environment_id=&mode=&enabled=&search=).
// POST – create an agent (member; linking a service account needs admin).
import { createAgent, listAgents } from '@/lib/agents/service';
import { agentFiltersSchema, createAgentSchema } from '@/lib/agents/schemas';
import { listBody, parsePage } from '@/lib/api/pagination';
import { apiRoute, json } from '@/lib/api/route';
import { parseInput } from '@/lib/api/validation';

export const GET = apiRoute({ auth: 'user', permission: 'org.read' }, async ({ ctx, url }) => {
  const page = parsePage(url);
  const filters = parseInput(agentFiltersSchema, Object.fromEntries(url.searchParams));
  const { total, results } = await listAgents(ctx, filters, page);
  return json(listBody(url, page, total, results));
});

export const POST = apiRoute({ auth: 'user', permission: 'agent.manage' }, async ({ ctx, body }) =>
  json(await createAgent(ctx, await body(createAgentSchema)), 201),
);
