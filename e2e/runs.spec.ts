import { expect, test } from '@playwright/test';
import { startTestMcpServer, type TestMcpServer } from '../test/helpers/mcp-server';
import { AgentsPage, NewAgentForm } from './pages/agents';
import { AuthPages, newAccount } from './pages/auth';
import { ConnectionPage, ConnectionsPage, NewConnectionForm } from './pages/connections';
import { PoliciesPage, PolicyForm, PolicyPage } from './pages/policies';
import { RunPage, RunsPage, RunToolPanel } from './pages/runs';
import { EnvironmentsPage, OrganizationsPage } from './pages/tenancy';

const uniqueName = (prefix: string) => `${prefix} ${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;

const TEXT_SCHEMA = { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] };
const ECHO = 'tool:local-upstream/echo';
const SHOUT = 'tool:local-upstream/shout';

let upstream: TestMcpServer;

test.beforeAll(async () => {
  // A real MCP server (Streamable HTTP) on 127.0.0.1; the e2e server runs with UPSTREAM_ALLOW_PRIVATE.
  upstream = await startTestMcpServer({
    name: 'e2e-runs-upstream',
    tools: [
      { name: 'echo', description: 'Echoes text', inputSchema: TEXT_SCHEMA },
      { name: 'shout', description: 'Echoes text loudly', inputSchema: TEXT_SCHEMA },
    ],
  });
});

test.afterAll(async () => {
  await upstream?.close();
});

test('An operator allows one tool for one agent, runs it, sees another denied with the reason, and reads both on the run timeline and in the audit log', async ({
  page,
}) => {
  test.setTimeout(180_000);
  await new AuthPages(page).register({ ...newAccount('runs'), firstName: 'Rita', lastName: 'Runner' });
  await new AuthPages(page).expectSignedInAs('Rita');
  const orgId = await new OrganizationsPage(page).create(uniqueName('Runs'));
  const environments = new EnvironmentsPage(page, orgId);
  await environments.goto();
  await environments.create('dev', 'development');

  // Before anything ran, the Runs area says what will appear there.
  const nav = page.getByRole('navigation', { name: 'Organization' });
  await nav.getByRole('link', { name: 'Runs', exact: true }).click();
  const runs = new RunsPage(page, orgId);
  await expect(runs.empty).toContainText('No runs in dev yet');
  await expect(runs.empty).toContainText('every time an agent calls a tool');

  // A connection to the test server, synced: echo and shout.
  const connections = new ConnectionsPage(page, orgId);
  await connections.goto();
  await connections.addLink.click();
  await new NewConnectionForm(page).create({ name: 'local-upstream', endpoint: upstream.url });
  const connectionUrl = page.url();
  await expect(await new ConnectionPage(page).sync()).toContainText('Synced 2 tool(s)');

  // The agent, and a policy allowing echo, bound to it.
  const agents = new AgentsPage(page, orgId);
  await agents.goto();
  await agents.createLink.click();
  await new NewAgentForm(page).create({ name: 'Runner Bot' });
  const policies = new PoliciesPage(page, orgId);
  await policies.goto();
  await policies.newLink.click();
  await PolicyForm.create(page).create({ name: 'Runner Bot may echo', allow: 'echo', scope: 'Organization-wide' });
  await new PolicyPage(page).addBinding({ scopeType: 'agent', appliesTo: /^Runner Bot/, priority: 5 });

  // Echo, run from its page as the agent: the input starts from the schema, the answer shows.
  await page.goto(connectionUrl);
  await new ConnectionPage(page).openTool('echo');
  const panel = new RunToolPanel(page);
  await expect(panel.field('Input (JSON)')).toHaveValue(/"text": ""/);
  const echoAnswer = await panel.run({ agent: 'Runner Bot', input: '{"text": "hello runs"}' });
  await expect(echoAnswer).toHaveAttribute('data-testid', 'run-result');
  await expect(echoAnswer.getByTestId('run-status')).toHaveText('succeeded');
  await expect(echoAnswer.getByTestId('content-item')).toHaveText('echo: hello runs');
  expect(upstream.calls).toEqual([{ name: 'echo', arguments: { text: 'hello runs' } }]);

  // Its timeline: every stage passed, the member recorded as acting for the agent.
  const echoRunId = await panel.openTimeline();
  const run = new RunPage(page);
  await expect(run.status).toHaveText('succeeded');
  await expect(run.target).toHaveText(ECHO);
  expect(await run.stepTypes()).toEqual(['resolve', 'policy', 'validation', 'rate_limit', 'upstream']);
  await expect(page.locator('[data-testid="run-step"][data-failed="true"]')).toHaveCount(0);
  await expect(run.step('policy').getByTestId('run-step-message')).toContainText('Allowed');
  await expect(run.actor).toContainText('Rita Runner');
  await expect(run.actor).toContainText('as the agent');
  await expect(run.errorText).toHaveCount(0);
  await expect(run.output.getByTestId('content-item')).toHaveText('echo: hello runs');
  await expect(run.auditEvent('run_succeeded')).toHaveCount(1);
  await expect(run.auditEvent('run_started')).toHaveCount(1);

  // Shout is not allowed: refused with the reason, and never reaches the upstream.
  await page.goto(connectionUrl);
  await new ConnectionPage(page).openTool('shout');
  const shoutAnswer = await panel.run({ agent: 'Runner Bot', input: '{"text": "hello runs"}' });
  await expect(shoutAnswer).toHaveAttribute('data-testid', 'run-refusal');
  await expect(shoutAnswer).toContainText('Denied by policy');
  await expect(shoutAnswer.getByTestId('run-refusal-message')).toHaveText(`No policy explicitly allows tool.invoke on ${SHOUT}`);
  expect(upstream.calls).toHaveLength(1);

  // Its timeline stops at the policy step, in red, with the reason at the top.
  const shoutRunId = await panel.openTimeline();
  expect(shoutRunId).not.toBe(echoRunId);
  await expect(run.status).toHaveText('failed');
  await expect(run.target).toHaveText(SHOUT);
  await expect(run.errorText).toContainText(`No policy explicitly allows tool.invoke on ${SHOUT}`);
  expect(await run.stepTypes()).toEqual(['resolve', 'policy']);
  await expect(run.step('policy')).toHaveAttribute('data-failed', 'true');
  await expect(run.step('resolve')).toHaveAttribute('data-failed', 'false');
  await expect(run.step('policy').getByTestId('run-step-message')).toContainText(`No policy explicitly allows tool.invoke on ${SHOUT}`);
  await expect(run.output).toContainText('None: the call was refused');
  await expect(run.auditEvent('run_denied_policy')).toHaveCount(1);

  // The runs list shows both, newest first; filters narrow it and stay in the URL.
  await nav.getByRole('link', { name: 'Runs', exact: true }).click();
  await expect(runs.rows).toHaveCount(2);
  await expect(runs.rows.nth(0)).toHaveAttribute('data-run-id', shoutRunId);
  await expect(runs.rows.nth(1)).toHaveAttribute('data-run-id', echoRunId);
  await expect(runs.row(SHOUT).getByTestId('run-error')).toContainText('No policy explicitly allows');
  await expect(runs.row(ECHO)).toContainText('Runner Bot');
  await expect(runs.row(ECHO)).toContainText('by Rita Runner');
  await runs.filter({ status: 'failed' });
  await expect(page).toHaveURL(/[?&]status=failed/);
  await expect(runs.rows).toHaveCount(1);
  await expect(runs.row(SHOUT)).toHaveAttribute('data-status', 'failed');
  await runs.filter({ status: 'Any status', tool: 'local-upstream/echo' });
  await expect(runs.rows).toHaveCount(1);
  await expect(runs.row(ECHO)).toHaveAttribute('data-status', 'succeeded');
  await runs.filter({ status: 'failed' });
  await expect(runs.empty).toHaveText('No runs match these filters.');
  // The row's link opens the timeline.
  await runs.goto();
  await runs.row(SHOUT).getByRole('link').click();
  await expect(page).toHaveURL(new RegExp(`/runs/${shoutRunId}$`));

  // The audit log: from the run, every event on its target; and the whole log shows both runs.
  await run.auditLink.click();
  await expect(page).toHaveURL(/\/audit\?target=/);
  await expect(page.getByTestId('audit-row').filter({ hasText: 'run_denied_policy' })).toHaveCount(1);
  await expect(page.getByTestId('audit-row').filter({ hasText: 'run_succeeded' })).toHaveCount(0);
  await nav.getByRole('link', { name: 'Audit log' }).click();
  await expect(page.getByTestId('audit-row').filter({ hasText: 'run_succeeded' })).toHaveCount(1);
  await expect(page.getByTestId('audit-row').filter({ hasText: 'run_denied_policy' })).toHaveCount(1);
  await expect(page.getByTestId('audit-row').filter({ hasText: 'run_denied_policy' })).toContainText(SHOUT);

  // Input the schema refuses is named field by field, and recorded like any refusal.
  await page.goto(connectionUrl);
  await new ConnectionPage(page).openTool('echo');
  const badInput = await panel.run({ agent: 'Runner Bot', input: '{"text": 5}' });
  await expect(badInput).toHaveAttribute('data-testid', 'run-refusal');
  await expect(badInput).toContainText('Input refused');
  await expect(badInput.getByTestId('run-refusal-fields')).toContainText('input_data.text');
  await expect(panel.field('Input (JSON)')).toHaveAttribute('aria-invalid', 'true');
  await panel.openTimeline();
  expect(await run.stepTypes()).toEqual(['resolve', 'policy', 'validation']);
  await expect(run.step('validation')).toHaveAttribute('data-failed', 'true');
  expect(upstream.calls).toHaveLength(1);
});
