// GET /api/v1/orgs/{org_id}/tools/{id}/ – details (with the pending definition, if any).
// PUT/PATCH – update (member; a synced tool's definition changes only through sync and approval).
// DELETE – remove (member; a tool held for review needs admin).
import { apiRoute, json, noContent } from '@/lib/api/route';
import { patchToolSchema, replaceToolSchema } from '@/lib/tools/schemas';
import { deleteTool, getTool, updateTool } from '@/lib/tools/service';

type P = { org_id: string; id: string };

export const GET = apiRoute<P>({ auth: 'user', permission: 'org.read' }, async ({ ctx, params }) => json(await getTool(ctx, params.id)));

export const PUT = apiRoute<P>({ auth: 'user', permission: 'tool.manage' }, async ({ ctx, params, body }) =>
  json(await updateTool(ctx, params.id, await body(replaceToolSchema))),
);

export const PATCH = apiRoute<P>({ auth: 'user', permission: 'tool.manage' }, async ({ ctx, params, body }) =>
  json(await updateTool(ctx, params.id, await body(patchToolSchema))),
);

export const DELETE = apiRoute<P>({ auth: 'user', permission: 'tool.manage' }, async ({ ctx, params }) => {
  await deleteTool(ctx, params.id);
  return noContent();
});
