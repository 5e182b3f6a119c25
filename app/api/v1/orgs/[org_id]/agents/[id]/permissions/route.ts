// GET /api/v1/orgs/{org_id}/agents/{id}/permissions/ – the agent's effective permissions: every
// tool (and the organization's resources and prompts) of its environment with the decision and
// why, decided as tools/list decides.
import { apiRoute, json } from '@/lib/api/route';
import { effectivePermissions } from '@/lib/policy/evaluate';

export const GET = apiRoute<{ org_id: string; id: string }>({ auth: 'user', permission: 'org.read' }, async ({ ctx, params }) =>
  json(await effectivePermissions(ctx, params.id)),
);
