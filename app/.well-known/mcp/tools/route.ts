// GET /.well-known/mcp/tools – the calling agent's tools (what tools/list shows), as JSON.
import { listToolsJson } from '@/lib/mcp/gateway/legacy';

export const dynamic = 'force-dynamic';
export const GET = (req: Request) => listToolsJson(req, null);
