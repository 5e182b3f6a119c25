import { expect, test, type Browser, type Page } from '@playwright/test';
import { AuthPages, newAccount, type Account } from './pages/auth';
import { agentMe, AgentPage, AgentsPage, AxcorePage, fieldDescription, NewAgentForm, scopeCheckbox, ServiceAccountsPage } from './pages/agents';
import { EnvironmentsPage, MembersPage, OrganizationsPage } from './pages/tenancy';

/** A signed-in user in a browser context of their own (own cookies). */
async function signedInUser(browser: Browser, label: string, firstName: string): Promise<{ page: Page; account: Account }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const account = { ...newAccount(label), firstName };
  await new AuthPages(page).register(account);
  await new AuthPages(page).expectSignedInAs(firstName);
  return { page, account };
}

const uniqueName = (prefix: string) => `${prefix} ${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;

/** An organization with one environment, set up by `page`'s user; returns the organization's id. */
async function orgWithEnvironment(page: Page, prefix: string): Promise<string> {
  const orgId = await new OrganizationsPage(page).create(uniqueName(prefix));
  const environments = new EnvironmentsPage(page, orgId);
  await environments.goto();
  await environments.create('prod-eu', 'production');
  return orgId;
}

test('an operator creates an agent, issues a token, revokes it and uses the kill switch; a viewer sees no token controls', async ({ browser }) => {
  test.setTimeout(120_000); // two accounts and some thirty console round trips
  const owner = await signedInUser(browser, 'agent-owner', 'Olivia');
  const viewer = await signedInUser(browser, 'agent-viewer', 'Victor');
  const { page } = owner;
  const orgId = await new OrganizationsPage(page).create(uniqueName('Agents'));

  // Agents live in an environment: without one, the area says so and points to Environments.
  await page.getByRole('navigation', { name: 'Organization' }).getByRole('link', { name: 'Agents' }).click();
  await expect(page.getByTestId('agents-no-environment')).toBeVisible();
  await page.getByTestId('agents-no-environment').getByRole('link', { name: 'Create an environment' }).click();
  const environments = new EnvironmentsPage(page, orgId);
  await environments.create('prod-eu', 'production');

  const agents = new AgentsPage(page, orgId);
  await agents.goto();
  await expect(page.getByTestId('agents-empty')).toContainText('No agents in prod-eu yet');
  await agents.createLink.click();
  const form = new NewAgentForm(page);

  // The constraints are explained before they bite, and the server's refusal lands at the field.
  await form.fill({ name: 'Support Bot', mode: 'RUNNER' });
  await expect(page.getByText('can be created once connections exist')).toBeVisible();
  await form.submit();
  await expect(await fieldDescription(form.field('Connection'))).toHaveText('A RUNNER agent needs a connection (or use mode CALLER)');
  await expect(form.field('Connection')).toHaveAttribute('aria-invalid', 'true');
  await page.getByRole('button', { name: 'Use CALLER instead' }).click();
  await expect(form.field('Mode')).toHaveValue('CALLER');

  await form.field('Inbound auth').selectOption('BEARER');
  await expect(form.field('Bearer secret')).toBeVisible();
  await form.submit();
  const bearer = form.field('Bearer secret');
  await expect(bearer).toHaveAttribute('aria-invalid', 'true');
  await expect(await fieldDescription(bearer)).toHaveText('BEARER inbound auth needs bearer_secret_ref or inbound_secret_ref');
  await expect(page.getByRole('alert').filter({ hasText: 'The agent breaks a constraint' })).toBeVisible();
  // What was typed survives the refusal.
  await expect(form.field('Name')).toHaveValue('Support Bot');
  await expect(form.field('Inbound auth')).toHaveValue('BEARER');

  await form.field('Capabilities (JSON)').fill('{not json');
  await form.field('Inbound auth').selectOption('NONE');
  await form.submit();
  await expect(await fieldDescription(form.field('Capabilities (JSON)'))).toHaveText('Not valid JSON');

  const agentId = await form.create({ name: 'Support Bot', inboundAuth: 'NONE', capabilities: '{"tools": ["search"]}', tags: 'support, eu' });
  await expect(page.getByTestId('agent-id')).toHaveText(agentId);

  // Name and slug are unique per environment.
  await agents.goto();
  await expect(agents.row('Support Bot')).toContainText('support-bot');
  await expect(agents.row('Support Bot')).toContainText('CALLER');
  await expect(agents.row('Support Bot')).toContainText('enabled');
  await expect(agents.row('Support Bot')).toContainText('support');
  await agents.createLink.click();
  await form.fill({ name: 'support bot 2', slug: 'SUPPORT-BOT' });
  await form.submit();
  await expect(await fieldDescription(form.field('Slug (optional)'))).toHaveText(
    'This environment already has an agent with this slug (case-insensitive)',
  );

  // A token, issued in the console and copied from the copy-once display, works at once…
  const agent = new AgentPage(page, orgId, agentId);
  await agent.goto();
  await expect(agent.tokenRows).toHaveCount(0);
  const first = await agent.issueToken();
  expect(first.token.split('.')).toHaveLength(3);
  const me = await agentMe(page.request, first.token);
  expect(me.status).toBe(200);
  expect(me.body.agent?.id).toBe(agentId);
  // …the list shows its jti, never the token, and once dismissed the token is gone from the page.
  await expect(agent.tokenRow(first.jti)).toContainText('active');
  await expect(agent.tokenRow(first.jti)).toContainText('agents.me');
  await expect(agent.deleteTokenButton(first.jti)).toBeDisabled();
  await agent.doneWithToken();
  expect(await page.content()).not.toContain(first.token);
  await page.reload();
  expect(await page.content()).not.toContain(first.token);

  // Revoked in the console: refused on its very next use.
  await agent.revoke(first.jti);
  expect((await agentMe(page.request, first.token)).status).toBe(401);
  await expect(agent.deleteTokenButton(first.jti)).toBeEnabled();
  await agent.deleteTokenButton(first.jti).click();
  await expect(agent.tokenRow(first.jti)).toHaveCount(0);

  // The kill switch: a second token works, fails while the agent is disabled, works again after.
  const second = await agent.issueToken({ lifetime: '1 day', label: 'laptop' });
  await agent.doneWithToken();
  await expect(agent.tokenRow(second.jti)).toContainText('laptop');
  expect((await agentMe(page.request, second.token)).status).toBe(200);
  await expect(page.getByText('takes effect on the next request')).toBeVisible();
  await agent.setEnabled(false);
  expect((await agentMe(page.request, second.token)).status).toBe(401);
  await expect(agent.issueButton).toHaveCount(0);
  await agent.setEnabled(true);
  expect((await agentMe(page.request, second.token)).status).toBe(200);

  // Edits: a token without the agents.me scope is refused there (403), edits show up in the list.
  const narrow = await agent.issueToken({ scopes: { 'agents.me': false } });
  await agent.doneWithToken();
  expect((await agentMe(page.request, narrow.token)).status).toBe(403);
  await agent.editField('Tags').fill('support, eu, tier-1');
  await agent.editField('Capabilities (JSON)').fill('[1, 2]');
  await agent.save();
  await expect(await fieldDescription(agent.editField('Capabilities (JSON)'))).toHaveText('Must be a JSON object, like {"tools": ["search"]}');
  await agent.editField('Capabilities (JSON)').fill('{}');
  await agent.save();
  await expect(page.getByRole('status').filter({ hasText: 'Agent Support Bot saved.' })).toBeVisible();

  // A viewer reads the agent but gets no token controls and no switches.
  const members = new MembersPage(page, orgId);
  await members.goto();
  await members.invite(viewer.account.email, 'viewer');
  await expect(page.getByRole('status').filter({ hasText: `Added ${viewer.account.email} as viewer.` })).toBeVisible();
  const viewerAgents = new AgentsPage(viewer.page, orgId);
  await viewerAgents.goto();
  await expect(viewerAgents.row('Support Bot')).toBeVisible();
  await expect(viewerAgents.createLink).toHaveCount(0);
  await expect(viewerAgents.axcoreLink).toHaveCount(0);
  await viewerAgents.row('Support Bot').getByRole('link', { name: 'Support Bot' }).click();
  const viewerAgent = new AgentPage(viewer.page, orgId, agentId);
  await expect(viewer.page.getByTestId('tokens-not-allowed')).toBeVisible();
  await expect(viewerAgent.issueButton).toHaveCount(0);
  await expect(viewerAgent.tokenRows).toHaveCount(0);
  await expect(viewer.page.locator('summary', { hasText: 'Revoke' })).toHaveCount(0);
  await expect(viewerAgent.killSwitch).toHaveCount(0);
  await expect(viewer.page.getByRole('button', { name: 'Save agent' })).toHaveCount(0);
  await expect(viewer.page.getByText('tier-1')).toBeVisible();

  // Deleting takes the typed name; its tokens stop working with it.
  await agent.goto();
  await agent.delete('Support Bot');
  await expect(page).toHaveURL(new RegExp(`/orgs/${orgId}/agents$`));
  await expect(page.getByTestId('agents-empty')).toBeVisible();
  expect((await agentMe(page.request, second.token)).status).toBe(401);

  await owner.page.context().close();
  await viewer.page.context().close();
});

test('create with defaults (AxCore) shows the first token once; service accounts limit the scopes of later tokens', async ({ browser }) => {
  const { page } = await signedInUser(browser, 'axcore', 'Ada');
  const orgId = await orgWithEnvironment(page, 'AxCore');

  const agents = new AgentsPage(page, orgId);
  await agents.goto();
  await agents.axcoreLink.click();
  const axcore = new AxcorePage(page, orgId);
  const { token } = await axcore.create('Desk Agent');
  const me = await agentMe(page.request, token);
  expect(me.status).toBe(200);
  await page.getByRole('link', { name: 'Open agent Desk Agent' }).click();
  await expect(page.getByTestId('agent-name')).toHaveText('Desk Agent');
  const agentId = page.url().split('/').pop()!;
  expect(me.body.agent?.id).toBe(agentId);
  await expect(page.getByTestId('token-row')).toHaveCount(1);
  await expect(page.getByText('Authenticates as Desk Agent service account')).toBeVisible();

  // The service account it got: narrow its allowlist, and a token beyond it is refused at the scopes.
  await page.getByRole('navigation', { name: 'Organization' }).getByRole('link', { name: 'Service accounts' }).click();
  const accounts = new ServiceAccountsPage(page, orgId);
  await expect(accounts.row('Desk Agent service account')).toContainText('Desk Agent');
  await accounts.setScopes('Desk Agent service account', { mcp: true });
  await expect(accounts.row('Desk Agent service account')).toContainText(/Scopes allowed\s*mcp/);

  const agent = new AgentPage(page, orgId, agentId);
  await agent.goto();
  await expect(page.getByText('allows only: mcp')).toBeVisible();
  await expect(scopeCheckbox(page, 'agents.me')).not.toBeChecked();
  await scopeCheckbox(page, 'agents.me').check();
  await agent.issueButton.click();
  await expect(page.getByText("Outside the service account's scope allowlist: agents.me")).toBeVisible();
  await expect(agent.tokenRows).toHaveCount(1);

  // A service account of its own: created with field errors first, then for real; disabled and deleted.
  await accounts.goto();
  await accounts.create({ name: 'ci-runner', subject: '', issuer: 'https://token.actions.githubusercontent.com' });
  await expect(await fieldDescription(page.getByRole('region', { name: 'Create service account' }).getByLabel('Subject', { exact: true }))).toHaveText(
    'Required',
  );
  await accounts.create({ name: 'ci-runner', subject: `repo:acme/agents:${Date.now()}`, issuer: 'https://token.actions.githubusercontent.com', scopes: ['runs.execute'] });
  await expect(page.getByRole('status').filter({ hasText: 'Service account ci-runner created.' })).toBeVisible();
  const row = accounts.row('ci-runner');
  await expect(row).toContainText('runs.execute');
  await row.getByRole('switch', { name: 'Service account ci-runner enabled' }).click();
  await expect(row.getByRole('switch')).toHaveAttribute('aria-checked', 'false');
  await expect(row).toContainText('disabled');
  await row.locator('summary', { hasText: 'Delete service account' }).click();
  await row.getByLabel('Type ci-runner to confirm').fill('ci-runner');
  await row.getByRole('button', { name: 'Delete this service account' }).click();
  await expect(accounts.row('ci-runner')).toHaveCount(0);

  await page.context().close();
});
