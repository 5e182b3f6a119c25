// POST /.well-known/mcp/run – run one tool as the calling agent through the execute pipeline.
import { runJson } from '@/lib/mcp/gateway/legacy';

export const dynamic = 'force-dynamic';
export const POST = (req: Request) => runJson(req, null);
