// POST /mcp/{org_id}/{env_id}/.well-known/mcp/messages – as /.well-known/mcp/messages, for the agent's
// own organization and environment only (another scope: 403).
import { postSseMessage } from '@/lib/mcp/gateway/legacy';

export const dynamic = 'force-dynamic';

type Context = { params: Promise<{ org_id: string; env_id: string }> };

export const POST = async (req: Request, { params }: Context) => {
  const { org_id: orgId, env_id: envId } = await params;
  return postSseMessage(req, { orgId, envId });
};
