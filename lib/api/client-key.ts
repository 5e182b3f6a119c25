// The client's address for throttling. Route handlers see no socket, so the production server
// (bin/server.mjs) stamps the peer address into x-axs-peer-ip, overwriting any value a client sent.
// Forwarded headers are believed only when TRUST_PROXY says a proxy in front sets them.
import { env } from '@/lib/env';

export const PEER_HEADER = 'x-axs-peer-ip';

export function clientKeyFromHeaders(headers: Headers): string {
  if (env().TRUST_PROXY) {
    const forwarded = headers.get('x-forwarded-for')?.split(',')[0]?.trim();
    if (forwarded) return forwarded;
  }
  return headers.get(PEER_HEADER) ?? 'unknown-client';
}

export const clientKey = (req: Request): string => clientKeyFromHeaders(req.headers);
