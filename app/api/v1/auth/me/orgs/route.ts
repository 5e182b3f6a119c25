// GET /api/v1/auth/me/orgs/ – the caller's organizations with their role: {organizations, count}.
import { listMyOrganizations } from '@/lib/accounts/service';
import { apiRoute, json } from '@/lib/api/route';

export const GET = apiRoute({ auth: 'user' }, async ({ ctx }) => json(await listMyOrganizations(ctx)));
