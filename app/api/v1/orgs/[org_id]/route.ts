// GET /api/v1/orgs/{org_id}/ – organization details (any member).
// PUT/PATCH /api/v1/orgs/{org_id}/ – rename (owner). DELETE – delete it and everything in it (owner).
import { apiRoute, json, noContent } from '@/lib/api/route';
import { deleteOrganization, getOrganization, updateOrganization } from '@/lib/tenancy/organizations';
import { patchOrganizationSchema, updateOrganizationSchema } from '@/lib/tenancy/schemas';

export const GET = apiRoute({ auth: 'user', permission: 'org.read' }, async ({ ctx }) => json(await getOrganization(ctx)));

export const PUT = apiRoute({ auth: 'user', permission: 'org.update' }, async ({ ctx, body }) =>
  json(await updateOrganization(ctx, await body(updateOrganizationSchema))),
);

export const PATCH = apiRoute({ auth: 'user', permission: 'org.update' }, async ({ ctx, body }) =>
  json(await updateOrganization(ctx, await body(patchOrganizationSchema))),
);

export const DELETE = apiRoute({ auth: 'user', permission: 'org.delete' }, async ({ ctx }) => {
  await deleteOrganization(ctx);
  return noContent();
});
