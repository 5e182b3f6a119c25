// GET /api/v1/orgs/{org_id}/service-accounts/{id}/ – details (any member).
// PUT – replace, PATCH – change some fields, DELETE – delete (admin).
import { patchServiceAccountSchema, updateServiceAccountSchema } from '@/lib/agents/schemas';
import { deleteServiceAccount, getServiceAccount, updateServiceAccount } from '@/lib/agents/service-accounts';
import { apiRoute, json, noContent } from '@/lib/api/route';

type P = { org_id: string; id: string };

export const GET = apiRoute<P>({ auth: 'user', permission: 'org.read' }, async ({ ctx, params }) =>
  json(await getServiceAccount(ctx, params.id)),
);

export const PUT = apiRoute<P>({ auth: 'user', permission: 'service_account.manage' }, async ({ ctx, params, body }) =>
  json(await updateServiceAccount(ctx, params.id, await body(updateServiceAccountSchema), { replace: true })),
);

export const PATCH = apiRoute<P>({ auth: 'user', permission: 'service_account.manage' }, async ({ ctx, params, body }) =>
  json(await updateServiceAccount(ctx, params.id, await body(patchServiceAccountSchema))),
);

export const DELETE = apiRoute<P>({ auth: 'user', permission: 'service_account.manage' }, async ({ ctx, params }) => {
  await deleteServiceAccount(ctx, params.id);
  return noContent();
});
