// POST /api/v1/orgs/{org_id}/policies/{id}/rules/ – add a rule to the policy (admin).
import { apiRoute, json } from '@/lib/api/route';
import { addRuleSchema } from '@/lib/policy/schemas';
import { addRule } from '@/lib/policy/service';

export const POST = apiRoute<{ org_id: string; id: string }>({ auth: 'user', permission: 'policy.manage' }, async ({ ctx, params, body }) =>
  json(await addRule(ctx, params.id, await body(addRuleSchema)), 201),
);
