// Page object for an agent's "Connect a client" page: endpoints, a token for the configs, the
// configs themselves (read from the page and through the clipboard), and the connection test.
import { expect, type Locator, type Page } from '@playwright/test';

export const CONFIG_LABELS = {
  claude: 'claude_desktop_config.json',
  inspectorSse: 'Inspector over SSE',
  inspectorHttp: 'Inspector over Streamable HTTP',
  generic: 'Generic MCP client (JSON)',
  streamableHttp: 'Streamable HTTP',
  sse: 'HTTP+SSE (legacy)',
} as const;

export type ConfigName = keyof typeof CONFIG_LABELS;

export class ConnectPage {
  constructor(
    private readonly page: Page,
    private readonly orgId: string,
    private readonly agentId: string,
  ) {}

  async goto(): Promise<void> {
    await this.page.goto(`/orgs/${this.orgId}/agents/${this.agentId}/connect`);
  }

  /** From the agent's page, the way an operator gets there. */
  async openFromAgentPage(): Promise<void> {
    await this.page.goto(`/orgs/${this.orgId}/agents/${this.agentId}`);
    await this.page.getByRole('link', { name: 'Connect a client', exact: true }).click();
    await expect(this.page).toHaveURL(new RegExp(`/agents/${this.agentId}/connect$`));
    await expect(this.page.getByRole('heading', { level: 1, name: 'Connect a client' })).toBeVisible();
  }

  field(name: ConfigName): Locator {
    return this.page.getByLabel(CONFIG_LABELS[name], { exact: true });
  }

  /** The text of a config as the page shows it. */
  async text(name: ConfigName): Promise<string> {
    return this.field(name).inputValue();
  }

  /** Clicks the config's copy button, sees "Copied", and answers what landed in the clipboard. */
  async copy(name: ConfigName): Promise<string> {
    const button = this.page.getByRole('button', { name: `Copy ${CONFIG_LABELS[name]}`, exact: true });
    await button.click();
    await expect(button).toHaveText('Copied');
    return this.page.evaluate(() => navigator.clipboard.readText());
  }

  /** Issues a token (scope mcp) from the page; answers it, read from the copy-once display. */
  async issueToken(label?: string): Promise<string> {
    const form = this.page.getByRole('form', { name: 'Issue a token for the client' });
    if (label !== undefined) await form.getByLabel('Label (optional)').fill(label);
    await form.getByRole('button', { name: 'Issue token' }).click();
    const display = this.page.getByTestId('one-time-token');
    await expect(display).toBeVisible();
    await expect(display).toContainText("you won't see it again");
    await expect(display).toContainText('mcp');
    return this.page.getByLabel('New token').inputValue();
  }

  async doneWithToken(): Promise<void> {
    await this.page.getByRole('button', { name: 'Done, I copied it' }).click();
    await expect(this.page.getByLabel('New token')).toHaveCount(0);
  }

  /** Runs the connection test and answers its result panel. */
  async test(): Promise<Locator> {
    const form = this.page.getByRole('form', { name: 'Test connection' });
    await form.getByRole('button', { name: 'Test connection' }).click();
    const result = this.page.getByTestId('connect-test-result');
    await expect(form.getByRole('button', { name: 'Test connection' })).toBeEnabled({ timeout: 30_000 });
    await expect(result).toBeVisible();
    return result;
  }
}
