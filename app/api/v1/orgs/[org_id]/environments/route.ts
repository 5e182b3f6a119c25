// GET /api/v1/orgs/{org_id}/environments/ – list (any member). POST – create (admin).
import { listBody, parsePage } from '@/lib/api/pagination';
import { apiRoute, json } from '@/lib/api/route';
import { createEnvironment, listEnvironments } from '@/lib/tenancy/environments';
import { createEnvironmentSchema } from '@/lib/tenancy/schemas';

export const GET = apiRoute({ auth: 'user', permission: 'env.read' }, async ({ ctx, url }) => {
  const page = parsePage(url);
  const { total, results } = await listEnvironments(ctx, page);
  return json(listBody(url, page, total, results));
});

export const POST = apiRoute({ auth: 'user', permission: 'env.manage' }, async ({ ctx, body }) =>
  json(await createEnvironment(ctx, await body(createEnvironmentSchema)), 201),
);
