// GET /api/v1/orgs/{org_id}/audit/ – the organization's audit events, newest first, filtered by
// subject, action, target, event_type, decision, ts_from, ts_to; cursor-paged (?cursor=&page_size=).
import { apiRoute, json } from '@/lib/api/route';
import { parseInput } from '@/lib/api/validation';
import { cursorListBody } from '@/lib/audit/cursor';
import { auditListSchema, queryOf } from '@/lib/audit/schemas';
import { listAuditEvents } from '@/lib/audit/service';

export const GET = apiRoute({ auth: 'user', permission: 'audit.read' }, async ({ ctx, url }) => {
  const input = parseInput(auditListSchema, queryOf(url));
  return json(cursorListBody(url, await listAuditEvents(ctx, input), input.page_size));
});
