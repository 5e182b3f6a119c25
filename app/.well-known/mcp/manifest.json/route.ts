// GET /.well-known/mcp/manifest.json – public: this MCP server and its endpoints.
import { manifest } from '@/lib/mcp/gateway/legacy';

export const dynamic = 'force-dynamic';
export const GET = (req: Request) => manifest(req, null);
