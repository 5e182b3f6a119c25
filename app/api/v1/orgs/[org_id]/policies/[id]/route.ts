// GET /api/v1/orgs/{org_id}/policies/{id}/ – details with rules and bindings. PUT/PATCH – update
// (admin; the version goes up). DELETE – remove with its rules and bindings (admin).
import { apiRoute, json, noContent } from '@/lib/api/route';
import { patchPolicySchema, replacePolicySchema } from '@/lib/policy/schemas';
import { deletePolicy, getPolicy, updatePolicy } from '@/lib/policy/service';

type P = { org_id: string; id: string };

export const GET = apiRoute<P>({ auth: 'user', permission: 'org.read' }, async ({ ctx, params }) => json(await getPolicy(ctx, params.id)));

export const PUT = apiRoute<P>({ auth: 'user', permission: 'policy.manage' }, async ({ ctx, params, body }) =>
  json(await updatePolicy(ctx, params.id, await body(replacePolicySchema))),
);

export const PATCH = apiRoute<P>({ auth: 'user', permission: 'policy.manage' }, async ({ ctx, params, body }) =>
  json(await updatePolicy(ctx, params.id, await body(patchPolicySchema))),
);

export const DELETE = apiRoute<P>({ auth: 'user', permission: 'policy.manage' }, async ({ ctx, params }) => {
  await deletePolicy(ctx, params.id);
  return noContent();
});
