// /mcp/{org_id}/{env_id} – the same endpoint with the scope in the path; it must be the agent's
// own organization and environment (else 403).
import { handleStreamableHttp } from '@/lib/mcp/gateway/streamable';

export const dynamic = 'force-dynamic';

type Context = { params: Promise<{ org_id: string; env_id: string }> };

const handle = async (req: Request, { params }: Context) => {
  const { org_id: orgId, env_id: envId } = await params;
  return handleStreamableHttp(req, { orgId, envId });
};

export { handle as GET, handle as POST, handle as DELETE };
