// POST /api/v1/connections/{id}/test/ – connect and initialize: server info, protocol version,
// capabilities, latency (member of the connection's organization).
import { apiRoute, json } from '@/lib/api/route';
import { testConnection } from '@/lib/connections/test-connection';

export const POST = apiRoute<{ id: string }>({ auth: 'user' }, async ({ ctx, params }) => json(await testConnection(ctx, params.id)));
