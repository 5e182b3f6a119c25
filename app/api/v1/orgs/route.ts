// GET /api/v1/orgs/ – the caller's organizations (paged, with the caller's role).
// POST /api/v1/orgs/ – create an organization; the caller becomes its owner.
import { listBody, parsePage } from '@/lib/api/pagination';
import { apiRoute, json } from '@/lib/api/route';
import { createOrganization, listMyOrganizationsPage } from '@/lib/tenancy/organizations';
import { createOrganizationSchema } from '@/lib/tenancy/schemas';

export const GET = apiRoute({ auth: 'user' }, async ({ ctx, url }) => {
  const page = parsePage(url);
  const { total, results } = await listMyOrganizationsPage(ctx, page);
  return json(listBody(url, page, total, results));
});

export const POST = apiRoute({ auth: 'user' }, async ({ ctx, body }) =>
  json(await createOrganization(ctx, await body(createOrganizationSchema)), 201),
);
