// POST /api/v1/orgs/{org_id}/agents/{id}/ping/ – the agent's status and live token count (member).
// The upstream connection check arrives with the connections work (`connection_check`).
import { pingAgent } from '@/lib/agents/service';
import { apiRoute, json } from '@/lib/api/route';

type P = { org_id: string; id: string };

// agent.manage, not org.read: once the connection check exists, a ping makes upstream calls.
export const POST = apiRoute<P>({ auth: 'user', permission: 'agent.manage' }, async ({ ctx, params }) =>
  json(await pingAgent(ctx, params.id)),
);
