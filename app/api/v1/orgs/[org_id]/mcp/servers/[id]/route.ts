// GET /api/v1/orgs/{org_id}/mcp/servers/{id}/ – details. PUT (full replacement; the slug stays
// unless given) / PATCH – update (admin; a new endpoint, command, args or environment detaches the
// credentials unless the request names them, and stops the running stdio child).
// DELETE – remove (stops its stdio child).
import { apiRoute, json, noContent } from '@/lib/api/route';
import { patchMcpServerSchema, replaceMcpServerSchema } from '@/lib/mcp-servers/schemas';
import { deleteMcpServer, getMcpServer, updateMcpServer } from '@/lib/mcp-servers/service';

type P = { org_id: string; id: string };

export const GET = apiRoute<P>({ auth: 'user', permission: 'org.read' }, async ({ ctx, params }) => json(await getMcpServer(ctx, params.id)));

export const PUT = apiRoute<P>({ auth: 'user', permission: 'mcp_server.manage' }, async ({ ctx, params, body }) =>
  json(await updateMcpServer(ctx, params.id, await body(replaceMcpServerSchema))),
);

export const PATCH = apiRoute<P>({ auth: 'user', permission: 'mcp_server.manage' }, async ({ ctx, params, body }) =>
  json(await updateMcpServer(ctx, params.id, await body(patchMcpServerSchema))),
);

export const DELETE = apiRoute<P>({ auth: 'user', permission: 'mcp_server.manage' }, async ({ ctx, params }) => {
  await deleteMcpServer(ctx, params.id);
  return noContent();
});
