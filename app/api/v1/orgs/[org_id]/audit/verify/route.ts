// GET /api/v1/orgs/{org_id}/audit/verify/ – checks the organization's audit hash chain:
// {valid, checked, last_seq, first_break: null | {seq, event_id, reason}}.
import { apiRoute, json } from '@/lib/api/route';
import { verifyAuditChain } from '@/lib/audit/service';

export const GET = apiRoute({ auth: 'user', permission: 'audit.read' }, async ({ ctx }) => json(await verifyAuditChain(ctx)));
