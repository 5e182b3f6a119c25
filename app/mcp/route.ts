// /mcp – the gateway's MCP endpoint over Streamable HTTP (protocol 2025-06-18, 2025-11-25) for an
// agent credential: the agent's organization and environment. POST messages, GET the server's
// stream, DELETE the session (lib/mcp/gateway/streamable.ts).
import { handleStreamableHttp } from '@/lib/mcp/gateway/streamable';

export const dynamic = 'force-dynamic';

const handle = (req: Request) => handleStreamableHttp(req);

export { handle as GET, handle as POST, handle as DELETE };
