// Next calls register() once per server process before it answers requests.
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME === 'nodejs') {
    const { startServer } = await import('./lib/startup');
    await startServer();
    // The production server (bin/server.mjs) answers /mcp through this handler, not Next's router.
    const { installNodeFastPath } = await import('./lib/mcp/gateway/node');
    installNodeFastPath();
  }
}
