import type { NextConfig } from 'next';
import { SECURITY_HEADERS } from './lib/http/security-headers';

const securityHeaders = Object.entries(SECURITY_HEADERS).map(([key, value]) => ({ key, value }));

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
