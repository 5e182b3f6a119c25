// GET /api/v1/orgs/{org_id}/agents/{id}/ – details (any member).
// PUT – replace, PATCH – change some fields (member; `enabled: false` is the kill switch: the
// agent's tokens are refused from the next request on). DELETE – delete with its tokens (member).
import { deleteAgent, getAgent, updateAgent } from '@/lib/agents/service';
import { patchAgentSchema, updateAgentSchema } from '@/lib/agents/schemas';
import { apiRoute, json, noContent } from '@/lib/api/route';

type P = { org_id: string; id: string };

export const GET = apiRoute<P>({ auth: 'user', permission: 'org.read' }, async ({ ctx, params }) =>
  json(await getAgent(ctx, params.id)),
);

export const PUT = apiRoute<P>({ auth: 'user', permission: 'agent.manage' }, async ({ ctx, params, body }) =>
  json(await updateAgent(ctx, params.id, await body(updateAgentSchema), { replace: true })),
);

export const PATCH = apiRoute<P>({ auth: 'user', permission: 'agent.manage' }, async ({ ctx, params, body }) =>
  json(await updateAgent(ctx, params.id, await body(patchAgentSchema))),
);

export const DELETE = apiRoute<P>({ auth: 'user', permission: 'agent.manage' }, async ({ ctx, params }) => {
  await deleteAgent(ctx, params.id);
  return noContent();
});
