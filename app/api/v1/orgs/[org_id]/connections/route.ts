// GET /api/v1/orgs/{org_id}/connections/ – list (filters environment_id, status, enabled; paged).
// POST – create (member; attaching credentials needs admin).
import { listBody, parsePage } from '@/lib/api/pagination';
import { apiRoute, json } from '@/lib/api/route';
import { parseInput } from '@/lib/api/validation';
import { connectionFiltersSchema, createConnectionSchema } from '@/lib/connections/schemas';
import { createConnection, listConnections } from '@/lib/connections/service';

export const GET = apiRoute({ auth: 'user', permission: 'org.read' }, async ({ ctx, url }) => {
  const page = parsePage(url);
  const filters = parseInput(connectionFiltersSchema, Object.fromEntries(url.searchParams));
  const { total, results } = await listConnections(ctx, filters, page);
  return json(listBody(url, page, total, results));
});

export const POST = apiRoute({ auth: 'user', permission: 'connection.manage' }, async ({ ctx, body }) =>
  json(await createConnection(ctx, await body(createConnectionSchema)), 201),
);
