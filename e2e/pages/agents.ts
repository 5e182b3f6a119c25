// Page objects for agents, agent tokens and service accounts.
import { expect, type APIRequestContext, type Locator, type Page } from '@playwright/test';

export type InboundAuth = 'NONE' | 'BEARER' | 'MTLS';

/** The message(s) a field shows for itself: whatever its aria-describedby points at, error included. */
export async function fieldDescription(field: Locator): Promise<Locator> {
  await expect(field).toHaveAttribute('aria-describedby', /-error/);
  const ids = (await field.getAttribute('aria-describedby')) ?? '';
  const errorId = ids.split(' ').find((id) => id.endsWith('-error'));
  expect(errorId, 'the field names an error message').toBeTruthy();
  return field.page().locator(`[id="${errorId}"]`);
}

/** A scope's checkbox: its label starts with the scope's name. */
export function scopeCheckbox(container: Page | Locator, scope: string): Locator {
  return container.getByRole('checkbox', { name: new RegExp(`^${scope.replace(/\./g, '\\.')} —`) });
}

/** GET /api/v1/agents/me as the agent: the status, and the body when there is one. */
export async function agentMe(request: APIRequestContext, token: string): Promise<{ status: number; body: { agent?: { id: string } } }> {
  const res = await request.get('/api/v1/agents/me', { headers: { Authorization: `Bearer ${token}` } });
  return { status: res.status(), body: await res.json().catch(() => ({})) };
}

export class AgentsPage {
  constructor(
    private readonly page: Page,
    private readonly orgId: string,
  ) {}

  async goto(): Promise<void> {
    await this.page.goto(`/orgs/${this.orgId}/agents`);
  }

  row(name: string): Locator {
    return this.page.getByTestId('agent-row').filter({ hasText: name });
  }

  get createLink(): Locator {
    return this.page.getByRole('link', { name: 'Create agent', exact: true });
  }

  get axcoreLink(): Locator {
    return this.page.getByRole('link', { name: 'Create with defaults (AxCore)' });
  }
}

/** The create form at /agents/new. */
export class NewAgentForm {
  constructor(private readonly page: Page) {}

  private get form(): Locator {
    return this.page.getByRole('region', { name: /^New agent in/ });
  }

  field(label: string): Locator {
    return this.form.getByLabel(label, { exact: true });
  }

  async fill(agent: { name: string; slug?: string; mode?: 'CALLER' | 'RUNNER'; inboundAuth?: InboundAuth; tags?: string; capabilities?: string }): Promise<void> {
    await this.field('Name').fill(agent.name);
    if (agent.slug !== undefined) await this.field('Slug (optional)').fill(agent.slug);
    if (agent.mode) await this.field('Mode').selectOption(agent.mode);
    if (agent.inboundAuth) await this.field('Inbound auth').selectOption(agent.inboundAuth);
    if (agent.tags !== undefined) await this.field('Tags').fill(agent.tags);
    if (agent.capabilities !== undefined) await this.field('Capabilities (JSON)').fill(agent.capabilities);
  }

  async submit(): Promise<void> {
    await this.form.getByRole('button', { name: 'Create agent' }).click();
  }

  /** Creates the agent and returns its id (the console opens its page). */
  async create(agent: Parameters<NewAgentForm['fill']>[0]): Promise<string> {
    await this.fill(agent);
    await this.submit();
    await expect(this.page).toHaveURL(/\/agents\/[0-9a-f-]{36}$/);
    await expect(this.page.getByTestId('agent-name')).toHaveText(agent.name);
    return this.page.url().split('/').pop()!;
  }
}

/** An agent's page: kill switch, tokens, edit, delete. */
export class AgentPage {
  constructor(
    private readonly page: Page,
    private readonly orgId: string,
    private readonly agentId: string,
  ) {}

  async goto(): Promise<void> {
    await this.page.goto(`/orgs/${this.orgId}/agents/${this.agentId}`);
  }

  get killSwitch(): Locator {
    return this.page.getByRole('switch');
  }

  get issueButton(): Locator {
    return this.page.getByRole('button', { name: 'Issue token' });
  }

  get tokenField(): Locator {
    return this.page.getByLabel('New token');
  }

  tokenRow(jti: string): Locator {
    return this.page.locator(`[data-testid="token-row"][data-jti="${jti}"]`);
  }

  get tokenRows(): Locator {
    return this.page.getByTestId('token-row');
  }

  /** Issues a token and reads it from the copy-once display; returns it with its jti. */
  async issueToken(options: { lifetime?: string; label?: string; scopes?: Record<string, boolean> } = {}): Promise<{ token: string; jti: string }> {
    const form = this.page.getByRole('form', { name: 'Issue a token' });
    if (options.lifetime) await form.getByLabel('Lifetime').selectOption({ label: options.lifetime });
    if (options.label) await form.getByLabel('Label (optional)').fill(options.label);
    for (const [scope, on] of Object.entries(options.scopes ?? {})) await scopeCheckbox(form, scope).setChecked(on);
    await this.issueButton.click();
    const display = this.page.getByTestId('one-time-token');
    await expect(display).toBeVisible();
    await expect(display).toContainText("you won't see it again");
    await display.getByRole('button', { name: 'Copy token' }).click();
    const token = await this.tokenField.inputValue();
    const jti = (await display.getByTestId('one-time-token-jti').textContent())!.trim();
    return { token, jti };
  }

  /** Leaves the copy-once display; the token is gone from the page after this. */
  async doneWithToken(): Promise<void> {
    await this.page.getByRole('button', { name: 'Done, I copied it' }).click();
    await expect(this.tokenField).toHaveCount(0);
  }

  async revoke(jti: string): Promise<void> {
    const row = this.tokenRow(jti);
    await row.locator('summary', { hasText: 'Revoke' }).click();
    await row.getByRole('button', { name: `Revoke token ${jti.slice(0, 8)}…` }).click();
    await expect(row).toContainText('revoked');
  }

  deleteTokenButton(jti: string): Locator {
    return this.tokenRow(jti).getByRole('button', { name: `Delete token ${jti.slice(0, 8)}…` });
  }

  async setEnabled(on: boolean): Promise<void> {
    await expect(this.killSwitch).toHaveAttribute('aria-checked', String(!on));
    await this.killSwitch.click();
    await expect(this.killSwitch).toHaveAttribute('aria-checked', String(on));
  }

  editField(label: string): Locator {
    return this.page.getByRole('region', { name: 'Edit agent' }).getByLabel(label, { exact: true });
  }

  async save(): Promise<void> {
    await this.page.getByRole('button', { name: 'Save agent' }).click();
  }

  async delete(name: string): Promise<void> {
    await this.page.locator('summary', { hasText: 'Delete agent' }).click();
    await this.page.getByLabel(`Type ${name} to confirm`).fill(name);
    await this.page.getByRole('button', { name: 'Delete this agent' }).click();
  }
}

/** /agents/axcore: agent, service account, policy and first token in one step. */
export class AxcorePage {
  constructor(
    private readonly page: Page,
    private readonly orgId: string,
  ) {}

  async goto(): Promise<void> {
    await this.page.goto(`/orgs/${this.orgId}/agents/axcore`);
  }

  /** Creates the agent; returns its first token, read from the copy-once display. */
  async create(name: string, allowScopes: string[] = []): Promise<{ token: string }> {
    await this.page.getByLabel('Name', { exact: true }).fill(name);
    for (const scope of allowScopes) await scopeCheckbox(this.page, scope).check();
    await this.page.getByRole('button', { name: 'Create with defaults' }).click();
    const display = this.page.getByTestId('one-time-token');
    await expect(display).toContainText(`Agent ${name} created`);
    await expect(display).toContainText("you won't see it again");
    return { token: await this.page.getByLabel('New token').inputValue() };
  }
}

export class ServiceAccountsPage {
  constructor(
    private readonly page: Page,
    private readonly orgId: string,
  ) {}

  async goto(): Promise<void> {
    await this.page.goto(`/orgs/${this.orgId}/service-accounts`);
  }

  row(name: string): Locator {
    return this.page.getByTestId('service-account-row').filter({ hasText: name });
  }

  get createButton(): Locator {
    return this.page.getByRole('button', { name: 'Create service account' });
  }

  async create(account: { name: string; subject: string; issuer: string; scopes?: string[] }): Promise<void> {
    const form = this.page.getByRole('region', { name: 'Create service account' });
    await form.getByLabel('Name', { exact: true }).fill(account.name);
    await form.getByLabel('Subject', { exact: true }).fill(account.subject);
    await form.getByLabel('Issuer', { exact: true }).fill(account.issuer);
    for (const scope of account.scopes ?? []) await scopeCheckbox(form, scope).check();
    await this.createButton.click();
  }

  /** Replaces the scope allowlist of an account through its Edit disclosure. */
  async setScopes(name: string, scopes: Record<string, boolean>): Promise<void> {
    const row = this.row(name);
    await row.locator('summary', { hasText: 'Edit' }).click();
    for (const [scope, on] of Object.entries(scopes)) await scopeCheckbox(row, scope).setChecked(on);
    await row.getByRole('button', { name: 'Save' }).click();
    await expect(this.page.getByRole('status').filter({ hasText: `Service account ${name} saved.` })).toBeVisible();
  }
}
