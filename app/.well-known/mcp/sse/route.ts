// GET /.well-known/mcp/sse – legacy HTTP+SSE (2024-11-05): the session's event stream; its first
// event `endpoint` names this session's messages URL (lib/mcp/gateway/legacy.ts).
import { openSse } from '@/lib/mcp/gateway/legacy';

export const dynamic = 'force-dynamic';
export const GET = (req: Request) => openSse(req, null);
