// POST /api/v1/admin/secrets/rotate/ – new secret-store data key; every stored secret is
// re-encrypted under it and the old keys are retired (instance administrator).
import { apiRoute, json } from '@/lib/api/route';
import { rotateKeys } from '@/lib/secrets/service';

export const POST = apiRoute({ auth: 'user' }, async ({ ctx }) => {
  const { rotated, key_id, retired_keys, deleted_keys, failed } = await rotateKeys(ctx);
  return json({ rotated, key_id, retired_keys, deleted_keys, failed }, 201);
});
