// GET /api/v1/orgs/{org_id}/connections/{id}/ – details. PUT/PATCH – update (member; a new
// endpoint or credentials need admin, and a new endpoint detaches the old credentials).
// DELETE – remove (refused while RUNNER agents use it).
import { apiRoute, json, noContent } from '@/lib/api/route';
import { patchConnectionSchema, replaceConnectionSchema } from '@/lib/connections/schemas';
import { deleteConnection, getConnection, updateConnection } from '@/lib/connections/service';

type P = { org_id: string; id: string };

export const GET = apiRoute<P>({ auth: 'user', permission: 'org.read' }, async ({ ctx, params }) => json(await getConnection(ctx, params.id)));

export const PUT = apiRoute<P>({ auth: 'user', permission: 'connection.manage' }, async ({ ctx, params, body }) =>
  json(await updateConnection(ctx, params.id, await body(replaceConnectionSchema))),
);

export const PATCH = apiRoute<P>({ auth: 'user', permission: 'connection.manage' }, async ({ ctx, params, body }) =>
  json(await updateConnection(ctx, params.id, await body(patchConnectionSchema))),
);

export const DELETE = apiRoute<P>({ auth: 'user', permission: 'connection.manage' }, async ({ ctx, params }) => {
  await deleteConnection(ctx, params.id);
  return noContent();
});
