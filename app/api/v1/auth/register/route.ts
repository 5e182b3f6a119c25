// POST /api/v1/auth/register/ – create an account; answers {user, token} (signed in at once).
import { registerSchema } from '@/lib/accounts/schemas';
import { registerUser } from '@/lib/accounts/service';
import { apiRoute, json } from '@/lib/api/route';

export const POST = apiRoute({ auth: 'public' }, async ({ ctx, body }) => {
  const input = await body(registerSchema);
  return json(await registerUser(ctx, input), 201);
});
