// POST /api/v1/orgs/{org_id}/agents/{id}/ping/ – the agent's status, live token count and a live
// check of its connection (member).
import { pingAgent } from '@/lib/agents/service';
import { apiRoute, json } from '@/lib/api/route';

type P = { org_id: string; id: string };

// agent.manage, not org.read: a ping makes upstream calls.
export const POST = apiRoute<P>({ auth: 'user', permission: 'agent.manage' }, async ({ ctx, params }) =>
  json(await pingAgent(ctx, params.id)),
);
