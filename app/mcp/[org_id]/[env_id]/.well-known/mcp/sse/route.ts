// GET /mcp/{org_id}/{env_id}/.well-known/mcp/sse – as /.well-known/mcp/sse, for the agent's
// own organization and environment only (another scope: 403).
import { openSse } from '@/lib/mcp/gateway/legacy';

export const dynamic = 'force-dynamic';

type Context = { params: Promise<{ org_id: string; env_id: string }> };

export const GET = async (req: Request, { params }: Context) => {
  const { org_id: orgId, env_id: envId } = await params;
  return openSse(req, { orgId, envId });
};
