// GET /mcp/{org_id}/{env_id}/.well-known/mcp/manifest.json – as /.well-known/mcp/manifest.json, for the agent's
// own organization and environment only (another scope: 403).
import { manifest } from '@/lib/mcp/gateway/legacy';

export const dynamic = 'force-dynamic';

type Context = { params: Promise<{ org_id: string; env_id: string }> };

export const GET = async (req: Request, { params }: Context) => {
  const { org_id: orgId, env_id: envId } = await params;
  return manifest(req, { orgId, envId });
};
