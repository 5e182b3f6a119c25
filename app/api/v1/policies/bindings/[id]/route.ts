// GET /api/v1/policies/bindings/{id}/ – details. PUT/PATCH – update. DELETE – remove. The
// organization is the binding's policy's; changes need its admin and raise the policy's version.
import { apiRoute, json, noContent } from '@/lib/api/route';
import { patchBindingSchema, replaceBindingSchema } from '@/lib/policy/schemas';
import { deleteBinding, getBinding, updateBinding } from '@/lib/policy/service';

type P = { id: string };

export const GET = apiRoute<P>({ auth: 'user' }, async ({ ctx, params }) => json(await getBinding(ctx, params.id)));

export const PUT = apiRoute<P>({ auth: 'user' }, async ({ ctx, params, body }) =>
  json(await updateBinding(ctx, params.id, await body(replaceBindingSchema))),
);

export const PATCH = apiRoute<P>({ auth: 'user' }, async ({ ctx, params, body }) =>
  json(await updateBinding(ctx, params.id, await body(patchBindingSchema))),
);

export const DELETE = apiRoute<P>({ auth: 'user' }, async ({ ctx, params }) => {
  await deleteBinding(ctx, params.id);
  return noContent();
});
