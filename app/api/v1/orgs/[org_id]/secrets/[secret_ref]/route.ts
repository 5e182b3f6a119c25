// DELETE /api/v1/orgs/{org_id}/secrets/{secret_ref}/ – delete a stored secret (admin). Whatever
// still names the ref stops resolving it.
import { apiRoute, noContent } from '@/lib/api/route';
import { deleteSecret } from '@/lib/secrets/service';

type P = { org_id: string; secret_ref: string };

export const DELETE = apiRoute<P>({ auth: 'user', permission: 'secret.manage' }, async ({ ctx, params }) => {
  await deleteSecret(ctx, params.secret_ref);
  return noContent();
});
