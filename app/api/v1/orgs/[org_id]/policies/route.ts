// GET /api/v1/orgs/{org_id}/policies/ – list with rules and bindings (filters environment_id,
// is_active; paged). POST – create (admin).
import { listBody, parsePage } from '@/lib/api/pagination';
import { apiRoute, json } from '@/lib/api/route';
import { parseInput } from '@/lib/api/validation';
import { createPolicySchema, policyFiltersSchema } from '@/lib/policy/schemas';
import { createPolicy, listPolicies } from '@/lib/policy/service';

export const GET = apiRoute({ auth: 'user', permission: 'org.read' }, async ({ ctx, url }) => {
  const page = parsePage(url);
  const filters = parseInput(policyFiltersSchema, Object.fromEntries(url.searchParams));
  const { total, results } = await listPolicies(ctx, filters, page);
  return json(listBody(url, page, total, results));
});

export const POST = apiRoute({ auth: 'user', permission: 'policy.manage' }, async ({ ctx, body }) =>
  json(await createPolicy(ctx, await body(createPolicySchema)), 201),
);
