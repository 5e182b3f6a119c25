// POST /.well-known/mcp/messages?sessionId=… – a client's JSON-RPC messages for its SSE session.
import { postSseMessage } from '@/lib/mcp/gateway/legacy';

export const dynamic = 'force-dynamic';
export const POST = (req: Request) => postSseMessage(req, null);
