// POST /api/v1/orgs/{org_id}/tools/{id}/approve/ – accept the changed definition a sync held for
// review (admin): it becomes the approved one and the tool is synced again.
import { apiRoute, json } from '@/lib/api/route';
import { approveToolSchema } from '@/lib/tools/schemas';
import { approveTool } from '@/lib/tools/service';

export const POST = apiRoute<{ org_id: string; id: string }>({ auth: 'user', permission: 'tool.approve' }, async ({ ctx, params, body }) =>
  json(await approveTool(ctx, params.id, await body(approveToolSchema))),
);
