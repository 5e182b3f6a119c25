// GET /api/health/ready – readiness: the database answers a query (503 otherwise).
import { pingDb } from '@/db/client';

export const dynamic = 'force-dynamic';

export async function GET(): Promise<Response> {
  const database = await pingDb();
  return Response.json(
    { status: database ? 'ready' : 'unavailable', checks: { database: database ? 'ok' : 'failed' } },
    { status: database ? 200 : 503, headers: { 'cache-control': 'no-store' } },
  );
}
