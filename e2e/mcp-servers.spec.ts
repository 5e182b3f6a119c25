// The MCP server registry in the console with the real server-everything: registered over stdio
// (run by the gateway; playwright.config.ts puts node_modules/.bin on the server's PATH and lets
// org admins register stdio servers) and over Streamable HTTP (started here), each checked for
// health, connected through, tested and synced until its tools show in the Tools area; and a
// connection by URL straight to it.
import { expect, test, type Page } from '@playwright/test';
import { startServerEverythingHttp, type ServerEverythingHttp } from '../test/helpers/server-everything';
import { AuthPages, newAccount } from './pages/auth';
import { ConnectionPage, ConnectionsPage, NewConnectionForm } from './pages/connections';
import { McpServerPage, McpServersPage, RegisterMcpServerForm } from './pages/mcp-servers';
import { EnvironmentsPage, OrganizationsPage } from './pages/tenancy';

const uniqueName = (prefix: string) => `${prefix} ${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;

let everything: ServerEverythingHttp;

test.beforeAll(async () => {
  everything = await startServerEverythingHttp();
});

test.afterAll(async () => {
  await everything?.close();
});

async function newOrgWithEnvironment(page: Page, label: string): Promise<string> {
  await new AuthPages(page).register({ ...newAccount(label), firstName: 'Reggie' });
  await new AuthPages(page).expectSignedInAs('Reggie');
  const orgId = await new OrganizationsPage(page).create(uniqueName('Registry'));
  const environments = new EnvironmentsPage(page, orgId);
  await environments.goto();
  await environments.create('dev', 'development');
  return orgId;
}

/** Tests and syncs the connection whose page is open; its `echo` tool arrives. */
async function testAndSync(page: Page): Promise<void> {
  const connection = new ConnectionPage(page);
  const tested = await connection.test();
  await expect(tested.getByTestId('test-server-name')).toContainText('mcp-servers/everything');
  await expect(tested).toContainText('Protocol version');
  const synced = await connection.sync();
  await expect(synced).toContainText(/Synced \d+ tool\(s\)/);
  await expect(connection.toolRow('echo')).toBeVisible();
  await expect(connection.toolRow('get-env')).toBeVisible();
  await expect(connection.toolRow('echo').getByTestId('sync-status')).toHaveText('synced');
}

test('an operator registers server-everything over stdio and http, connects through each and by URL, and sees their tools', async ({ page }) => {
  test.setTimeout(180_000);
  const orgId = await newOrgWithEnvironment(page, 'mcp-servers');

  // The area explains what a registration is before there is one.
  await page.getByRole('navigation', { name: 'Organization' }).getByRole('link', { name: 'MCP servers' }).click();
  const servers = new McpServersPage(page, orgId);
  await expect(servers.empty).toContainText('No MCP servers registered in dev yet');
  await expect(servers.empty).toContainText('MCP_STDIO_ALLOWED_COMMANDS');

  // stdio: server-everything run by the gateway itself.
  await servers.registerLink.click();
  const form = new RegisterMcpServerForm(page);
  await form.field('Type').selectOption('stdio');
  await expect(form.form).toContainText('mcp-server-everything'); // the allowed commands, said up front
  await form.register({ name: 'Everything stdio', type: 'stdio', command: 'mcp-server-everything' });
  const server = new McpServerPage(page);
  await expect(page.getByTestId('mcp-server-command')).toHaveText('mcp-server-everything');
  await expect(server.healthStatus).toHaveText('not checked');
  await expect(server.checkedAt).toHaveText('never checked');

  const health = await server.checkHealth();
  await expect(health.getByTestId('health-result-status')).toHaveText('Healthy');
  await expect(health.getByTestId('health-result-latency')).toHaveText(/^\d+ ms$/);
  await expect(health.getByTestId('health-result-message')).toContainText('mcp-servers/everything');
  // Recorded on the registration: status and the time of the check, relative and absolute.
  await expect(server.healthStatus).toHaveText('healthy');
  await expect(server.checkedAt).toContainText(/checked just now \(\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC\)/);

  await server.createConnection('everything-stdio');
  await expect(page.getByText('registered MCP server').first()).toBeVisible();
  await testAndSync(page);

  // http: the server-everything started by this spec, registered by URL.
  await servers.goto();
  await expect(servers.row('Everything stdio')).toContainText('healthy');
  await servers.registerLink.click();
  const httpServerId = await form.register({ name: 'Everything http', type: 'http', endpoint: everything.url });
  await expect(page.getByTestId('mcp-server-endpoint')).toHaveText(everything.url);
  const httpHealth = await server.checkHealth();
  await expect(httpHealth.getByTestId('health-result-status')).toHaveText('Healthy');
  await expect(server.healthStatus).toHaveText('healthy');
  await expect(server.checkedAt).toContainText('checked just now');

  // A connection through it, made from the connection form's "Through a registered MCP server".
  const connections = new ConnectionsPage(page, orgId);
  await connections.goto();
  await connections.addLink.click();
  const connectionForm = page.getByRole('region', { name: /^New connection in/ });
  await connectionForm.getByLabel('Name', { exact: true }).fill('everything-http');
  await connectionForm.getByLabel('Through a registered MCP server').check();
  await expect(connectionForm.getByLabel('Endpoint URL', { exact: true })).toHaveCount(0);
  await connectionForm.getByLabel('MCP server', { exact: true }).selectOption(httpServerId);
  await connectionForm.getByRole('button', { name: 'Create connection' }).click();
  await expect(page).toHaveURL(/\/connections\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId('connection-name')).toHaveText('everything-http');
  await testAndSync(page);

  // And by URL, straight to it.
  await connections.goto();
  await connections.addLink.click();
  await new NewConnectionForm(page).create({ name: 'everything-url', endpoint: everything.url });
  await testAndSync(page);

  // The Tools area lists each connection's echo.
  await page.getByRole('navigation', { name: 'Organization' }).getByRole('link', { name: 'Tools' }).click();
  const echoRows = page
    .getByRole('table', { name: 'Tools' })
    .getByTestId('tool-row')
    .filter({ has: page.getByRole('link', { name: 'echo', exact: true }) });
  await expect(echoRows).toHaveCount(3);
  for (const name of ['everything-stdio', 'everything-http', 'everything-url']) {
    await expect(echoRows.filter({ has: page.getByRole('link', { name, exact: true }) })).toHaveCount(1);
  }

  // The registration lists the connections through it.
  await servers.goto();
  await servers.row('Everything http').getByRole('link', { name: 'Everything http' }).click();
  await expect(page.getByRole('region', { name: /^Connections through this server/ }).getByRole('link', { name: 'everything-http' })).toBeVisible();
});

test('a stdio command not on the allowlist is refused on the register form, with what the setting means', async ({ page }) => {
  const orgId = await newOrgWithEnvironment(page, 'mcp-servers-refused');
  const servers = new McpServersPage(page, orgId);
  await servers.goto();
  await servers.registerLink.click();
  const form = new RegisterMcpServerForm(page);
  await form.submit({ name: 'A shell', type: 'stdio', command: 'sh', args: ['-c', 'echo hi'] });

  await expect(form.alert).toContainText(`Command "sh" is not on this instance's list of allowed stdio commands (MCP_STDIO_ALLOWED_COMMANDS)`);
  await expect(form.form.locator('#new-mcp-server-command-error')).toContainText('MCP_STDIO_ALLOWED_COMMANDS');
  await expect(page.getByTestId('stdio-setting-note')).toContainText('MCP_STDIO_ALLOWED_COMMANDS is the list of programs the operator');
  // Nothing was registered, and what was typed is still there to fix.
  await expect(page).toHaveURL(/\/mcp-servers\/new$/);
  await expect(form.field('Type')).toHaveValue('stdio');
  await expect(form.field('Command')).toHaveValue('sh');
  await expect(form.field('Arguments')).toHaveValue('-c\necho hi');
  await servers.goto();
  await expect(servers.empty).toBeVisible();
});
