// GET /api/v1/policies/rules/ – rules of the caller's organizations (filters policy_id,
// organization_id; paged). POST – create a rule in the body's policy (admin of its organization).
import { listBody, parsePage } from '@/lib/api/pagination';
import { apiRoute, json } from '@/lib/api/route';
import { parseInput } from '@/lib/api/validation';
import { createRuleSchema, rowFiltersSchema } from '@/lib/policy/schemas';
import { createRule, listRules } from '@/lib/policy/service';

export const GET = apiRoute({ auth: 'user' }, async ({ ctx, url }) => {
  const page = parsePage(url);
  const filters = parseInput(rowFiltersSchema, Object.fromEntries(url.searchParams));
  const { total, results } = await listRules(ctx, filters, page);
  return json(listBody(url, page, total, results));
});

export const POST = apiRoute({ auth: 'user' }, async ({ ctx, body }) => json(await createRule(ctx, await body(createRuleSchema)), 201));
