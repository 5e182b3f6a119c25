// POST /api/v1/orgs/{org_id}/connections/store-secret/ – encrypt and store a value (admin); the
// answer is its ref only. A body that is not JSON is refused without the parser's excerpt of it:
// that excerpt could be part of the secret.
import { AppError } from '@/lib/api/errors';
import { apiRoute, json } from '@/lib/api/route';
import { storeSecretSchema } from '@/lib/secrets/schemas';
import { storeSecret } from '@/lib/secrets/service';

export const POST = apiRoute({ auth: 'user', permission: 'secret.manage' }, async ({ ctx, body }) => {
  const input = await body(storeSecretSchema).catch((error: unknown) => {
    if (error instanceof AppError && error.code === 'invalid_json') throw new AppError('invalid_json', error.message);
    throw error;
  });
  const { secret_ref, name } = await storeSecret(ctx, input);
  return json({ secret_ref, name }, 201);
});
