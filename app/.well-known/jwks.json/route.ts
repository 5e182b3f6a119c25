// GET /.well-known/jwks.json – the public keys that verify agent tokens (current and overlapping).
import { publicJwks } from '@/lib/auth/signing-keys';

export const dynamic = 'force-dynamic';

export async function GET(): Promise<Response> {
  return Response.json(await publicJwks(), {
    headers: { 'cache-control': 'public, max-age=300', 'access-control-allow-origin': '*' },
  });
}
