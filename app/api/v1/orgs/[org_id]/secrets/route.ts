// GET /api/v1/orgs/{org_id}/secrets/ – the organization's secrets: names, refs, key ids and dates,
// never values (admin). Values are stored with POST …/connections/store-secret/.
import { listBody, parsePage } from '@/lib/api/pagination';
import { apiRoute, json } from '@/lib/api/route';
import { listSecrets } from '@/lib/secrets/service';

export const GET = apiRoute({ auth: 'user', permission: 'secret.manage' }, async ({ ctx, url }) => {
  const page = parsePage(url);
  const { total, results } = await listSecrets(ctx, page);
  return json(listBody(url, page, total, results));
});
