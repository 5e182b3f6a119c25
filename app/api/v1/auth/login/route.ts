// POST /api/v1/auth/login/ – exchange email and password for an API token: {user, token}.
import { loginSchema } from '@/lib/accounts/schemas';
import { loginWithPassword } from '@/lib/accounts/service';
import { apiRoute, json } from '@/lib/api/route';

export const POST = apiRoute({ auth: 'public' }, async ({ ctx, body }) => {
  const input = await body(loginSchema);
  return json(await loginWithPassword(ctx, input));
});
