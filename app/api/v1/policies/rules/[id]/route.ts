// GET /api/v1/policies/rules/{id}/ – details. PUT/PATCH – update. DELETE – remove. The
// organization is the rule's policy's; changes need its admin and raise the policy's version.
import { apiRoute, json, noContent } from '@/lib/api/route';
import { patchRuleSchema, replaceRuleSchema } from '@/lib/policy/schemas';
import { deleteRule, getRule, updateRule } from '@/lib/policy/service';

type P = { id: string };

export const GET = apiRoute<P>({ auth: 'user' }, async ({ ctx, params }) => json(await getRule(ctx, params.id)));

export const PUT = apiRoute<P>({ auth: 'user' }, async ({ ctx, params, body }) => json(await updateRule(ctx, params.id, await body(replaceRuleSchema))));

export const PATCH = apiRoute<P>({ auth: 'user' }, async ({ ctx, params, body }) => json(await updateRule(ctx, params.id, await body(patchRuleSchema))));

export const DELETE = apiRoute<P>({ auth: 'user' }, async ({ ctx, params }) => {
  await deleteRule(ctx, params.id);
  return noContent();
});
