// Headers on every response: no page of ours may be framed (clickjacking), no content-type
// guessing, no referrer to other sites. next.config.ts sets them for what Next serves; the
// gateway's Node fast path (lib/mcp/gateway/node.ts) sets the same ones itself.
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': "frame-ancestors 'none'",
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'same-origin',
};
