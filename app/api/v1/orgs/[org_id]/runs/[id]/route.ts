// GET /api/v1/orgs/{org_id}/runs/{id}/ – one run: status, timing, input, output, error.
import { apiRoute, json } from '@/lib/api/route';
import { getRun } from '@/lib/runs/service';

export const GET = apiRoute<{ org_id: string; id: string }>({ auth: 'user', permission: 'org.read' }, async ({ ctx, params }) => json(await getRun(ctx, params.id)));
