// Background health checks while the server runs: every MCP_HEALTH_CHECK_INTERVAL_SECONDS (0: off)
// each enabled registration is checked (initialize + ping, recorded like the health-check
// endpoint), a few at a time. The timer is unref'd, so it never keeps the process alive; errors
// are logged, never thrown. Background checks are not audited (the endpoint's are): they would
// fill the trail with one event per server per interval.
import { eq } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { mcpServerRegistrations } from '@/db/schema';
import { env } from '@/lib/env';
import { logger } from '@/lib/observability/logger';
import { runHealthCheck } from './health';

const CONCURRENCY = 4;

let timer: NodeJS.Timeout | undefined;
let running: Promise<void> | undefined;

/** One round over every enabled registration (exported for tests). Never throws. */
export async function runHealthRound(concurrency = CONCURRENCY): Promise<{ checked: number; unhealthy: number }> {
  let checked = 0;
  let unhealthy = 0;
  try {
    const db = await getDb();
    const rows = await db.select().from(mcpServerRegistrations).where(eq(mcpServerRegistrations.enabled, true));
    let next = 0;
    const worker = async () => {
      while (next < rows.length) {
        const reg = rows[next++]!;
        try {
          const result = await runHealthCheck({ db, orgId: reg.organizationId }, reg);
          checked++;
          if (result.status !== 'healthy') unhealthy++;
        } catch (error) {
          logger().warn({ err: error, mcp_server: reg.id }, 'background health check failed');
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  } catch (error) {
    logger().warn({ err: error }, 'background health round failed');
  }
  return { checked, unhealthy };
}

/** Starts the interval (idempotent); does nothing when the interval is 0. */
export function startHealthMonitor(): void {
  if (timer) return;
  const seconds = env().MCP_HEALTH_CHECK_INTERVAL_SECONDS;
  if (seconds <= 0) return;
  timer = setInterval(() => {
    // A round still running (slow servers) is not overlapped by the next.
    running ??= runHealthRound().then(
      () => undefined,
      () => undefined,
    ).finally(() => {
      running = undefined;
    });
  }, seconds * 1000);
  timer.unref();
}

/** Stops the interval and waits for a round in flight. */
export async function stopHealthMonitor(): Promise<void> {
  if (timer) clearInterval(timer);
  timer = undefined;
  await running;
}
