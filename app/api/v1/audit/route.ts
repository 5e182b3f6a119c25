// GET /api/v1/audit/ – the global feed: the last 24 hours of audit events across the caller's
// organizations (instance events too for instance administrators); same filters and paging as
// the organization list.
import { apiRoute, json } from '@/lib/api/route';
import { parseInput } from '@/lib/api/validation';
import { cursorListBody } from '@/lib/audit/cursor';
import { auditListSchema, queryOf } from '@/lib/audit/schemas';
import { listGlobalAuditEvents } from '@/lib/audit/service';

export const GET = apiRoute({ auth: 'user' }, async ({ ctx, url }) => {
  const input = parseInput(auditListSchema, queryOf(url));
  return json(cursorListBody(url, await listGlobalAuditEvents(ctx, input), input.page_size));
});
