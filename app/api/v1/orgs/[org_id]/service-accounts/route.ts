// GET /api/v1/orgs/{org_id}/service-accounts/ – list (any member). POST – create (admin).
import { createServiceAccountSchema } from '@/lib/agents/schemas';
import { createServiceAccount, listServiceAccounts } from '@/lib/agents/service-accounts';
import { listBody, parsePage } from '@/lib/api/pagination';
import { apiRoute, json } from '@/lib/api/route';

export const GET = apiRoute({ auth: 'user', permission: 'org.read' }, async ({ ctx, url }) => {
  const page = parsePage(url);
  const { total, results } = await listServiceAccounts(ctx, page);
  return json(listBody(url, page, total, results));
});

export const POST = apiRoute({ auth: 'user', permission: 'service_account.manage' }, async ({ ctx, body }) =>
  json(await createServiceAccount(ctx, await body(createServiceAccountSchema)), 201),
);
