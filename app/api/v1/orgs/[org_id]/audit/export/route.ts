// GET /api/v1/orgs/{org_id}/audit/export/?format=jsonl|csv – the filtered events as a streamed
// download, newest first (same filters as the list).
import { apiRoute } from '@/lib/api/route';
import { parseInput } from '@/lib/api/validation';
import { auditExportSchema, queryOf } from '@/lib/audit/schemas';
import { exportAuditEvents } from '@/lib/audit/service';

export const GET = apiRoute({ auth: 'user', permission: 'audit.read' }, async ({ ctx, url }) => {
  const file = exportAuditEvents(ctx, parseInput(auditExportSchema, queryOf(url)));
  return new Response(file.body, {
    headers: {
      'content-type': file.contentType,
      'content-disposition': `attachment; filename="${file.filename}"`,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    },
  });
});
