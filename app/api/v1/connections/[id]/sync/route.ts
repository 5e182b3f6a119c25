// POST /api/v1/connections/{id}/sync/ – read all tools of the connection's server and upsert them
// (new → synced, changed → pending_review, vanished → stale); member of the connection's org.
import { apiRoute, json } from '@/lib/api/route';
import { syncConnection } from '@/lib/tools/sync';

export const POST = apiRoute<{ id: string }>({ auth: 'user' }, async ({ ctx, params }) => json(await syncConnection(ctx, params.id)));
