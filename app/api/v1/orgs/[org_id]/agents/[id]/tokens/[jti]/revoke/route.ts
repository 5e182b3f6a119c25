// POST /api/v1/orgs/{org_id}/agents/{id}/tokens/{jti}/revoke/ – revoke (admin); refused from the
// very next request on. Revoking again changes nothing.
import { revokeAgentToken } from '@/lib/agents/tokens';
import { apiRoute, json } from '@/lib/api/route';

type P = { org_id: string; id: string; jti: string };

export const POST = apiRoute<P>({ auth: 'user', permission: 'token.manage' }, async ({ ctx, params }) =>
  json(await revokeAgentToken(ctx, params.id, params.jti)),
);
