import { expect, test } from '@playwright/test';
import { startTestMcpServer, type TestMcpServer } from '../test/helpers/mcp-server';
import { fieldDescription, NewAgentForm, AgentsPage } from './pages/agents';
import { AuthPages, newAccount } from './pages/auth';
import { ConnectionPage, ConnectionsPage, NewConnectionForm } from './pages/connections';
import { AgentPermissionsPage, EvaluatePanel, PoliciesPage, PolicyForm, PolicyPage } from './pages/policies';
import { EnvironmentsPage, OrganizationsPage } from './pages/tenancy';

const uniqueName = (prefix: string) => `${prefix} ${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;

const TEXT_SCHEMA = { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] };
const ECHO = 'tool:local-upstream/echo';
const SHOUT = 'tool:local-upstream/shout';

let upstream: TestMcpServer;

test.beforeAll(async () => {
  // A real MCP server (Streamable HTTP) on 127.0.0.1; the e2e server runs with UPSTREAM_ALLOW_PRIVATE.
  upstream = await startTestMcpServer({
    name: 'e2e-policies-upstream',
    tools: [
      { name: 'echo', description: 'Echoes text', inputSchema: TEXT_SCHEMA },
      { name: 'shout', description: 'Echoes text loudly', inputSchema: TEXT_SCHEMA },
    ],
  });
});

test.afterAll(async () => {
  await upstream?.close();
});

test('an operator writes a policy, evaluates requests, reads why, and sees which tools an agent may use', async ({ page }) => {
  test.setTimeout(180_000);
  const account = { ...newAccount('policies'), firstName: 'Polly' };
  await new AuthPages(page).register(account);
  await new AuthPages(page).expectSignedInAs('Polly');
  const orgId = await new OrganizationsPage(page).create(uniqueName('Policies'));
  const environments = new EnvironmentsPage(page, orgId);
  await environments.goto();
  await environments.create('dev', 'development');

  // Tools to decide about: a connection to the test server, synced.
  const connections = new ConnectionsPage(page, orgId);
  await connections.goto();
  await connections.addLink.click();
  await new NewConnectionForm(page).create({ name: 'local-upstream', endpoint: upstream.url });
  await expect(await new ConnectionPage(page).sync()).toContainText('Synced 2 tool(s)');

  // An agent, and what it may use: nothing yet (deny by default).
  const agents = new AgentsPage(page, orgId);
  await agents.goto();
  await agents.createLink.click();
  const agentId = await new NewAgentForm(page).create({ name: 'Support Bot' });
  await page.getByRole('link', { name: 'Effective permissions' }).click();
  const permissions = new AgentPermissionsPage(page, orgId, agentId);
  await expect(page.getByRole('heading', { level: 1, name: 'Effective permissions' })).toBeVisible();
  await expect(permissions.summary).toHaveText('0 of 2 allowed · 0 visible in tools/list');
  for (const target of [ECHO, SHOUT]) {
    await expect(permissions.decision(target)).toHaveText('denied');
    await expect(permissions.reason(target)).toHaveText(`No policy explicitly allows tool.invoke on ${target}`);
    await expect(permissions.visibility(target)).toContainText('hidden');
  }
  await expect(page.getByText('Input conditions are decided at call time')).toBeVisible();

  // The Policies area explains the model and starts empty.
  await page.getByRole('navigation', { name: 'Organization' }).getByRole('link', { name: 'Policies' }).click();
  const policies = new PoliciesPage(page, orgId);
  await expect(page.getByTestId('policy-model')).toContainText('Deny by default');
  await expect(page.getByTestId('policy-model')).toContainText('At equal priority, deny beats allow');
  await expect(policies.empty).toContainText('No policies yet');
  await policies.newLink.click();

  // A bad short-form entry is refused at its line, and nothing is saved.
  const form = PolicyForm.create(page);
  await form.fill({ name: 'Echo only', description: 'Support Bot may echo', allow: 'echo\nnot valid!' });
  await form.submit();
  const allowErrors = await fieldDescription(form.field('Allow (short form)'));
  await expect(allowErrors).toContainText('Line 2 ("not valid!"): Use <tool> or <connection>/<tool>');
  await expect(form.field('Allow (short form)')).toHaveAttribute('aria-invalid', 'true');
  await expect(page).toHaveURL(new RegExp(`/orgs/${orgId}/policies/new$`));
  await expect(form.field('Name')).toHaveValue('Echo only');

  // Fixed, it is created organization-wide.
  await form.fill({ allow: 'echo', scope: 'Organization-wide' });
  await form.submit();
  await expect(page).toHaveURL(/\/policies\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId('policy-name')).toHaveText('Echo only');
  const policyUrl = page.url();
  const policy = new PolicyPage(page);
  await expect(policy.version).toHaveText('version 1');
  await expect(policy.shortFormRows).toHaveCount(1);
  await expect(policy.shortFormRows.first()).toContainText('tool:*/echo');

  // Bad conditions JSON is refused at the field, and no rule is added.
  await policy.fillRule({ action: 'tool.invoke', target: SHOUT, effect: 'deny', conditions: '{"environment_type": ' });
  await policy.submitRule();
  await expect(await fieldDescription(policy.ruleField('Conditions (JSON)'))).toHaveText('Not valid JSON');
  await expect(policy.ruleRows).toHaveCount(0);
  // Valid JSON with an unknown condition is refused by the engine's validator, key by key.
  await policy.fillRule({ action: 'tool.invoke', target: SHOUT, effect: 'deny', conditions: '{"weekday": "mon"}' });
  await policy.submitRule();
  await expect(await fieldDescription(policy.ruleField('Conditions (JSON)'))).toContainText('weekday: unknown condition');
  await expect(policy.ruleRows).toHaveCount(0);
  await expect(policy.version).toHaveText('version 1');

  // A rule denying shout, and a binding to the agent at priority 5.
  const ruleId = await policy.addRule({ action: 'tool.invoke', target: SHOUT, effect: 'deny' });
  await expect(policy.ruleRows.first()).toContainText('deny');
  await expect(policy.version).toHaveText('version 2');
  await policy.addBinding({ scopeType: 'agent', appliesTo: /^Support Bot/, priority: 5 });
  await expect(policy.bindingRows).toHaveCount(1);
  await expect(policy.bindingRows.first()).toContainText('Support Bot');
  await expect(policy.version).toHaveText('version 3');

  // The list shows it.
  await policies.goto();
  await expect(policies.rows).toHaveCount(1);
  const row = policies.row('Echo only');
  await expect(row.getByTestId('policy-scope')).toHaveText('Organization-wide');
  await expect(row).toContainText('v3');
  await expect(row.getByTestId('policy-rule-count')).toContainText('1 + 1 short-form');
  await expect(row.getByTestId('policy-binding-count')).toHaveText('1');

  // Evaluate: echo is allowed by the short form, shout denied by the rule — each names its policy.
  await policies.evaluateLink.click();
  const panel = new EvaluatePanel(page);
  await panel.ask({ subject: 'Support Bot', target: ECHO });
  await expect(panel.decision).toHaveText('allowed');
  await expect(panel.reason).toHaveText('Allowed by policy "Echo only"');
  await expect(panel.explanation).toContainText('allowed: short-form allow "echo" of policy "Echo only" (priority 5) allows tool.invoke on');
  await expect(panel.explanation).toContainText('applies through agent binding');

  await panel.ask({ subject: 'Support Bot', target: SHOUT });
  await expect(panel.decision).toHaveText('denied');
  await expect(panel.reason).toHaveText('Denied by policy "Echo only"');
  await expect(panel.explanation).toContainText(`denied: rule ${ruleId} of policy "Echo only" (priority 5) denies tool.invoke on ${SHOUT}`);

  // A role is not bound: for it the policy does not apply, and nothing allows echo.
  await panel.ask({ subject: 'Any member', target: ECHO });
  await expect(panel.decision).toHaveText('denied');
  await expect(panel.reason).toHaveText(`No policy explicitly allows tool.invoke on ${ECHO}`);

  // Bad input JSON is a field error, not an answer.
  await page.getByRole('form', { name: 'Evaluate a request' }).getByLabel('Input (JSON, optional)').fill('{oops');
  await page.getByRole('form', { name: 'Evaluate a request' }).getByRole('button', { name: 'Evaluate' }).click();
  await expect(await fieldDescription(page.getByLabel('Input (JSON, optional)'))).toHaveText('Not valid JSON');
  await expect(panel.result).toHaveCount(0);

  // The deciding rule is one click away.
  await panel.ask({ subject: 'Support Bot', target: SHOUT, input: '{"text": "hi"}' });
  await panel.result.getByTestId('evaluate-rule-link').click();
  await expect(page).toHaveURL(`${policyUrl}#rule-${ruleId}`);

  // The agent's permissions now: echo visible, shout denied.
  await permissions.goto();
  await expect(permissions.summary).toHaveText('1 of 2 allowed · 1 visible in tools/list');
  await expect(permissions.decision(ECHO)).toHaveText('allowed');
  await expect(permissions.visibility(ECHO)).toHaveText('visible');
  await expect(permissions.explanation(ECHO)).toContainText('policy "Echo only"');
  await expect(permissions.decision(SHOUT)).toHaveText('denied');
  await expect(permissions.visibility(SHOUT)).toContainText('Denied by policy');
  await expect(permissions.explanation(SHOUT)).toContainText(`rule ${ruleId} of policy "Echo only"`);

  // Deleting the policy asks for its name; then everything is denied again.
  await page.goto(policyUrl);
  await new PolicyPage(page).delete('Echo only');
  await expect(page).toHaveURL(new RegExp(`/orgs/${orgId}/policies$`));
  await expect(policies.empty).toBeVisible();
  await permissions.goto();
  await expect(permissions.summary).toHaveText('0 of 2 allowed · 0 visible in tools/list');
});
