// POST /api/v1/orgs/{org_id}/agents/create-axcore/ – an agent with its service account, a
// deny-by-default policy bound to it and a first token, all or nothing (admin: it issues a token).
import { createAxcoreAgent } from '@/lib/agents/create-axcore';
import { createAxcoreSchema } from '@/lib/agents/schemas';
import { apiRoute, json } from '@/lib/api/route';

export const POST = apiRoute({ auth: 'user', permission: 'token.manage' }, async ({ ctx, body }) =>
  json(await createAxcoreAgent(ctx, await body(createAxcoreSchema)), 201),
);
