// POST /api/v1/policies/evaluate/ – the same question without an organization in the path: the
// body's organization_id or the agent's organization, and only among the caller's organizations.
import { apiRoute, json } from '@/lib/api/route';
import { evaluatePolicyGlobal } from '@/lib/policy/evaluate';
import { evaluateSchema } from '@/lib/policy/schemas';

export const POST = apiRoute({ auth: 'user' }, async ({ ctx, body }) => json(await evaluatePolicyGlobal(ctx, await body(evaluateSchema))));
