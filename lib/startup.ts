// Start-up of the Node server (called from instrumentation.ts): validate the configuration, open
// the database and apply migrations (awaited), so a bad setting or a held DATA_DIR stops start-up
// with a clear message instead of failing the first request.
import { closeDb, getDb } from '@/db/client';
import { startAuditChainer } from '@/lib/audit/chain';
import { closeClusterBus } from '@/lib/cluster/bus';
import { env } from '@/lib/env';
import { listenToCluster, startSessionRecheck } from '@/lib/mcp/gateway/sessions';
import { shutdownStdioPool } from '@/lib/mcp/stdio/pool';
import { closeRateLimiter } from '@/lib/ratelimit';
import { startHealthMonitor, stopHealthMonitor } from '@/lib/mcp-servers/health-monitor';
import { logger } from '@/lib/observability/logger';

export async function startServer(): Promise<void> {
  try {
    const settings = env();
    await getDb();
    startAuditChainer();
    startHealthMonitor();
    // Revocations made on other instances (REDIS_URL) close this one's sessions from the start.
    listenToCluster();
    // And every minute, sessions whose token was revoked or expired unheard are closed.
    startSessionRecheck();
    logger().info(
      { database: settings.DATABASE_URL ? 'postgres' : 'embedded', data_dir: settings.DATA_DIR, public_url: settings.PUBLIC_URL },
      'database ready',
    );
  } catch (error) {
    // Printed plainly as well: this is what an operator reads when start-up fails.
    console.error(`AgentxSuite cannot start: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
  // Stop the stdio servers' process groups, then close the embedded database cleanly so its
  // files are consistent on the next start.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      void stopHealthMonitor()
        .catch(() => {})
        .then(() => shutdownStdioPool())
        .catch(() => {})
        .then(() => closeRateLimiter())
        .catch(() => {})
        .then(() => closeClusterBus())
        .catch(() => {})
        .then(() => closeDb())
        .finally(() => process.exit(0));
    });
  }
}
