// GET /api/v1/auth/me/ – the caller and their organizations.
// PUT/PATCH /api/v1/auth/me/ – update the profile (email or password need current_password).
import { replaceMeSchema, updateMeSchema } from '@/lib/accounts/schemas';
import { getMe, updateMe } from '@/lib/accounts/service';
import { apiRoute, json } from '@/lib/api/route';

export const GET = apiRoute({ auth: 'user' }, async ({ ctx }) => json(await getMe(ctx)));

export const PATCH = apiRoute({ auth: 'user' }, async ({ ctx, body }) => json(await updateMe(ctx, await body(updateMeSchema))));

export const PUT = apiRoute({ auth: 'user' }, async ({ ctx, body }) => json(await updateMe(ctx, await body(replaceMeSchema))));
