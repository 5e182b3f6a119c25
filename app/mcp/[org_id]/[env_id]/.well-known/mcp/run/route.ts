// POST /mcp/{org_id}/{env_id}/.well-known/mcp/run – as /.well-known/mcp/run, for the agent's
// own organization and environment only (another scope: 403).
import { runJson } from '@/lib/mcp/gateway/legacy';

export const dynamic = 'force-dynamic';

type Context = { params: Promise<{ org_id: string; env_id: string }> };

export const POST = async (req: Request, { params }: Context) => {
  const { org_id: orgId, env_id: envId } = await params;
  return runJson(req, { orgId, envId });
};
