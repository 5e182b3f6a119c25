// GET /api/v1/orgs/{org_id}/runs/{id}/steps/ – the run's timeline: one step per pipeline stage,
// with its time and duration.
import { apiRoute, json } from '@/lib/api/route';
import { listRunSteps } from '@/lib/runs/service';

export const GET = apiRoute<{ org_id: string; id: string }>({ auth: 'user', permission: 'org.read' }, async ({ ctx, params }) =>
  json(await listRunSteps(ctx, params.id)),
);
