import type { NextConfig } from 'next';

const securityHeaders = [
  // No page of ours may be framed (clickjacking); no content-type guessing.
  { key: 'Content-Security-Policy', value: "frame-ancestors 'none'" },
  { key: 'X-Frame-Options', value: 'DENY' },
  { key: 'X-Content-Type-Options', value: 'nosniff' },
  { key: 'Referrer-Policy', value: 'same-origin' },
];

const nextConfig: NextConfig = {
  // API clients of the earlier implementation call paths with a trailing slash; both forms are
  // answered directly, never redirected (a redirect would drop POST bodies in some clients).
  skipTrailingSlashRedirect: true,
  // PGlite ships wasm and data files that must be loaded from node_modules at run time.
  serverExternalPackages: ['@electric-sql/pglite', 'pino', 'postgres', 'ioredis', '@upstash/redis'],
  poweredByHeader: false,
  async headers() {
    return [{ source: '/:path*', headers: securityHeaders }];
  },
};

export default nextConfig;
