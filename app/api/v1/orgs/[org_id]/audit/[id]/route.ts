// GET /api/v1/orgs/{org_id}/audit/{id}/ – one audit event of the organization.
import { apiRoute, json } from '@/lib/api/route';
import { getAuditEvent } from '@/lib/audit/service';

export const GET = apiRoute<{ org_id: string; id: string }>({ auth: 'user', permission: 'audit.read' }, async ({ ctx, params }) =>
  json(await getAuditEvent(ctx, params.id)),
);
