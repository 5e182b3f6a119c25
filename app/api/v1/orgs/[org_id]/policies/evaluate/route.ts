// POST /api/v1/orgs/{org_id}/policies/evaluate/ – decide a request without running anything:
// {agent_id | subject, action, target, environment_id?, context?} → the decision and why.
import { apiRoute, json } from '@/lib/api/route';
import { evaluatePolicy } from '@/lib/policy/evaluate';
import { evaluateSchema } from '@/lib/policy/schemas';

export const POST = apiRoute({ auth: 'user', permission: 'org.read' }, async ({ ctx, body }) => json(await evaluatePolicy(ctx, await body(evaluateSchema))));
