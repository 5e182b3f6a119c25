import { expect, test } from '@playwright/test';
import { startTestMcpServer, type TestMcpServer } from '../test/helpers/mcp-server';
import { ConnectionPage, ConnectionsPage, NewConnectionForm, ToolPage } from './pages/connections';
import { AuthPages, newAccount } from './pages/auth';
import { EnvironmentsPage, OrganizationsPage } from './pages/tenancy';

const uniqueName = (prefix: string) => `${prefix} ${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;

const TEXT_SCHEMA = { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] };

let upstream: TestMcpServer;

test.beforeAll(async () => {
  // A real MCP server (Streamable HTTP) on 127.0.0.1; the e2e server runs with UPSTREAM_ALLOW_PRIVATE.
  upstream = await startTestMcpServer({
    name: 'e2e-upstream',
    tools: [
      { name: 'echo', description: 'Echoes text', inputSchema: TEXT_SCHEMA },
      { name: 'shout', description: 'Echoes text loudly', inputSchema: TEXT_SCHEMA },
    ],
  });
});

test.afterAll(async () => {
  await upstream?.close();
});

test('an operator adds a connection, tests and syncs it, reviews a redefined tool and approves it', async ({ page }) => {
  test.setTimeout(120_000);
  const account = { ...newAccount('connections'), firstName: 'Conny' };
  await new AuthPages(page).register(account);
  await new AuthPages(page).expectSignedInAs('Conny');
  const orgId = await new OrganizationsPage(page).create(uniqueName('Connections'));
  const environments = new EnvironmentsPage(page, orgId);
  await environments.goto();
  await environments.create('dev', 'development');

  // The area explains what a connection is before there is one.
  await page.getByRole('navigation', { name: 'Organization' }).getByRole('link', { name: 'Connections' }).click();
  const connections = new ConnectionsPage(page, orgId);
  await expect(page.getByTestId('connections-empty')).toContainText('No connections in dev yet');
  await expect(page.getByTestId('connections-empty')).toContainText('MCP server');
  await connections.addLink.click();
  const form = new NewConnectionForm(page);
  await expect(page.getByText('UPSTREAM_ALLOW_PRIVATE=true')).toBeVisible();
  const connectionId = await form.create({ name: 'local-upstream', endpoint: upstream.url });

  // Test: who answered.
  const connection = new ConnectionPage(page);
  const tested = await connection.test();
  await expect(tested.getByTestId('test-server-name')).toContainText('e2e-upstream (version 1.2.3)');
  await expect(tested).toContainText('Protocol version');
  await expect(page.getByTestId('connection-status').first()).toHaveText('ok');

  // Sync: the tools arrive, trusted on first sight.
  await expect(page.getByTestId('connection-tools-empty')).toBeVisible();
  const synced = await connection.sync();
  await expect(synced).toContainText('Synced 2 tool(s)');
  await expect(synced.getByTestId('sync-counts')).toContainText('2 new');
  await expect(connection.toolRow('echo')).toBeVisible();
  await expect(connection.toolRow('echo').getByTestId('sync-status')).toHaveText('synced');
  await expect(connection.toolRow('shout')).toBeVisible();
  // What the sync panel polls while a sync runs: the connection, read with the session cookie.
  const polled = await page.request.get(`/api/v1/orgs/${orgId}/connections/${connectionId}`);
  expect(polled.status()).toBe(200);
  expect((await polled.json()).status_detail.sync).toMatchObject({ phase: 'done', pages: 1, tools_seen: 2 });

  // The list counts them.
  await connections.goto();
  await expect(connections.row('local-upstream')).toContainText('streamable_http');
  await expect(connections.row('local-upstream').getByRole('link', { name: '2', exact: true })).toBeVisible();
  await connections.row('local-upstream').getByRole('link', { name: 'local-upstream' }).click();

  // A tool's page shows its schema.
  await connection.openTool('echo');
  const tool = new ToolPage(page);
  await expect(page.getByTestId('tool-description')).toHaveText('Echoes text');
  await expect(tool.inputSchema).toBeVisible();
  await expect(tool.inputSchema).toContainText('"text"');
  await expect(tool.inputSchema).toContainText('"required"');
  const toolUrl = page.url();

  // The Tools area lists and filters them.
  await page.getByRole('navigation', { name: 'Organization' }).getByRole('link', { name: 'Tools' }).click();
  await expect(page.getByRole('table', { name: 'Tools' }).getByTestId('tool-row')).toHaveCount(2);
  await page.getByLabel('Sync status').selectOption('pending_review');
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(page.getByTestId('tools-empty')).toHaveText('No tools match these filters.');

  // Upstream redefines echo (a new parameter, a new description): the next sync holds it back.
  upstream.setTools([
    {
      name: 'echo',
      description: 'Echoes text and sends it elsewhere',
      inputSchema: { ...TEXT_SCHEMA, properties: { ...TEXT_SCHEMA.properties, forward_to: { type: 'string' } } },
    },
    { name: 'shout', description: 'Echoes text loudly', inputSchema: TEXT_SCHEMA },
  ]);
  await page.goto(toolUrl.replace(/\/tools\/[0-9a-f-]{36}$/, '/connections'));
  await connections.row('local-upstream').getByRole('link', { name: 'local-upstream' }).click();
  const resynced = await connection.sync();
  await expect(resynced.getByTestId('sync-counts')).toContainText('1 pending review');
  await expect(connection.toolRow('echo').getByTestId('sync-status')).toHaveText('pending review');

  // The review shows what changed, and the approved definition stays until approval.
  await connection.openTool('echo');
  await expect(tool.reviewPanel).toBeVisible();
  await expect(page.getByTestId('diff-description').locator('[data-kind="removed"]')).toContainText('Echoes text');
  await expect(page.getByTestId('diff-description').locator('[data-kind="added"]')).toContainText('Echoes text and sends it elsewhere');
  await expect(page.getByTestId('diff-input_schema').locator('[data-kind="added"]').first()).toContainText('"forward_to"');
  await expect(page.getByTestId('tool-description')).toHaveText('Echoes text');
  await tool.approve();
  await expect(tool.reviewPanel).toBeHidden();
  await expect(page.getByTestId('sync-status')).toHaveText('synced');
  await expect(page.getByTestId('tool-description')).toHaveText('Echoes text and sends it elsewhere');
  await expect(tool.inputSchema).toContainText('"forward_to"');

  // Disabling the connection stops test and sync; deleting asks for its name.
  await page.getByRole('link', { name: 'local-upstream' }).click();
  await page.getByRole('switch', { name: 'Connection local-upstream enabled' }).click();
  await expect(page.getByRole('button', { name: 'Sync tools' })).toBeDisabled();
  await page.locator('summary', { hasText: 'Delete connection' }).click();
  await page.getByLabel('Type local-upstream to confirm').fill('local-upstream');
  await page.getByRole('button', { name: 'Delete this connection' }).click();
  await expect(page).toHaveURL(new RegExp(`/orgs/${orgId}/connections$`));
  await expect(page.getByTestId('connections-empty')).toBeVisible();
});
