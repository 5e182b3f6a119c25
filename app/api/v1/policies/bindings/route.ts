// GET /api/v1/policies/bindings/ – bindings of the caller's organizations (filters policy_id,
// organization_id; paged). POST – bind the body's policy to a scope (admin of its organization).
import { listBody, parsePage } from '@/lib/api/pagination';
import { apiRoute, json } from '@/lib/api/route';
import { parseInput } from '@/lib/api/validation';
import { createBindingSchema, rowFiltersSchema } from '@/lib/policy/schemas';
import { createBinding, listBindings } from '@/lib/policy/service';

export const GET = apiRoute({ auth: 'user' }, async ({ ctx, url }) => {
  const page = parsePage(url);
  const filters = parseInput(rowFiltersSchema, Object.fromEntries(url.searchParams));
  const { total, results } = await listBindings(ctx, filters, page);
  return json(listBody(url, page, total, results));
});

export const POST = apiRoute({ auth: 'user' }, async ({ ctx, body }) => json(await createBinding(ctx, await body(createBindingSchema)), 201));
