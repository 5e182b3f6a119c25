// Browser tests against the production build on a fresh embedded database.
// Chromium: Debian's /usr/bin/chromium when present (Playwright cannot download browsers on
// these machines); set PLAYWRIGHT_CHROMIUM_PATH to use another, or empty to use Playwright's own.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defineConfig, devices } from '@playwright/test';

const port = Number(process.env.E2E_PORT ?? 3100);
const baseURL = `http://localhost:${port}`; // localhost, not 127.0.0.1: Auth.js cookies are host-bound
const dataDir = process.env.E2E_DATA_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), 'axs-e2e-'));
const chromiumPath =
  process.env.PLAYWRIGHT_CHROMIUM_PATH ?? (fs.existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined);

export default defineConfig({
  testDir: './e2e',
  globalSetup: './e2e/global-setup.ts',
  fullyParallel: false,
  workers: 1,
  retries: process.env.CI ? 1 : 0,
  timeout: 60_000,
  reporter: process.env.CI ? [['list'], ['json', { outputFile: 'reports/playwright.json' }]] : 'list',
  use: {
    baseURL,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: chromiumPath || undefined,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
  projects: [{ name: 'chromium', use: { ...devices['Desktop Chrome'] } }],
  webServer: {
    command: 'node bin/server.mjs',
    url: `${baseURL}/api/health/ready`,
    reuseExistingServer: false,
    timeout: 120_000,
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: baseURL,
      DATA_DIR: dataDir,
      SIGNUP_MODE: 'open',
      UPSTREAM_ALLOW_PRIVATE: 'true', // e2e/connections.spec.ts starts its upstream MCP server on 127.0.0.1
      // e2e/mcp-servers.spec.ts registers a stdio server from a new account. With SIGNUP_MODE=open
      // only the instance administrator may (MCP_STDIO_REGISTRATION defaults to instance_admin),
      // and that is the first account of the e2e database — whichever spec signs up first. Let
      // organization admins register them here instead.
      MCP_STDIO_REGISTRATION: 'org_admin',
      // The default MCP_STDIO_ALLOWED_COMMANDS allows the bare name `mcp-server-everything`, looked
      // up on the server's PATH; the dev dependency installs it in node_modules/.bin, which is on
      // PATH only when the tests are started through npm/npx. Put it there whatever starts them.
      PATH: [path.resolve('node_modules/.bin'), process.env.PATH].filter(Boolean).join(path.delimiter),
      DATABASE_URL: '',
      LOG_LEVEL: 'warn',
    },
  },
});
