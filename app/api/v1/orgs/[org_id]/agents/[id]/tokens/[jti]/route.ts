// DELETE /api/v1/orgs/{org_id}/agents/{id}/tokens/{jti}/ – forget a revoked or expired token
// (admin); an active one answers 409.
import { deleteAgentToken } from '@/lib/agents/tokens';
import { apiRoute, noContent } from '@/lib/api/route';

type P = { org_id: string; id: string; jti: string };

export const DELETE = apiRoute<P>({ auth: 'user', permission: 'token.manage' }, async ({ ctx, params }) => {
  await deleteAgentToken(ctx, params.id, params.jti);
  return noContent();
});
