// POST /api/v1/auth/logout/ – delete the API token this request presented.
import { logout } from '@/lib/accounts/service';
import { apiRoute, json } from '@/lib/api/route';

export const POST = apiRoute({ auth: 'user' }, async ({ ctx }) => json(await logout(ctx)));
