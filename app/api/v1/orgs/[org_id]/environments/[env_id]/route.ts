// GET /api/v1/orgs/{org_id}/environments/{env_id}/ – details (any member).
// PUT/PATCH – rename or retype (admin). DELETE – delete with everything in it (admin).
import { apiRoute, json, noContent } from '@/lib/api/route';
import { deleteEnvironment, getEnvironment, updateEnvironment } from '@/lib/tenancy/environments';
import { patchEnvironmentSchema, updateEnvironmentSchema } from '@/lib/tenancy/schemas';

type P = { org_id: string; env_id: string };

export const GET = apiRoute<P>({ auth: 'user', permission: 'env.read' }, async ({ ctx, params }) =>
  json(await getEnvironment(ctx, params.env_id)),
);

export const PUT = apiRoute<P>({ auth: 'user', permission: 'env.manage' }, async ({ ctx, params, body }) =>
  json(await updateEnvironment(ctx, params.env_id, await body(updateEnvironmentSchema))),
);

export const PATCH = apiRoute<P>({ auth: 'user', permission: 'env.manage' }, async ({ ctx, params, body }) =>
  json(await updateEnvironment(ctx, params.env_id, await body(patchEnvironmentSchema))),
);

export const DELETE = apiRoute<P>({ auth: 'user', permission: 'env.manage' }, async ({ ctx, params }) => {
  await deleteEnvironment(ctx, params.env_id);
  return noContent();
});
