// GET /api/v1/auth/me/orgs/ – the caller's organizations with their role: {organizations, count}.
// POST /api/v1/auth/me/orgs/ – add a user (by email) with a role to an organization in which the
// caller is owner or admin: {organization_id, email, role}. Never a self-join by id.
import { listMyOrganizations } from '@/lib/accounts/service';
import { apiRoute, json } from '@/lib/api/route';
import { addMemberToOrganization } from '@/lib/tenancy/memberships';
import { addToOrganizationSchema } from '@/lib/tenancy/schemas';

export const GET = apiRoute({ auth: 'user' }, async ({ ctx }) => json(await listMyOrganizations(ctx)));

export const POST = apiRoute({ auth: 'user' }, async ({ ctx, body }) =>
  json(await addMemberToOrganization(ctx, await body(addToOrganizationSchema)), 201),
);
