// Page objects for the MCP server registry (/orgs/[org_id]/mcp-servers).
import { expect, type Locator, type Page } from '@playwright/test';

export class McpServersPage {
  constructor(
    private readonly page: Page,
    private readonly orgId: string,
  ) {}

  async goto(): Promise<void> {
    await this.page.goto(`/orgs/${this.orgId}/mcp-servers`);
  }

  get registerLink(): Locator {
    return this.page.getByRole('link', { name: 'Register MCP server', exact: true });
  }

  get empty(): Locator {
    return this.page.getByTestId('mcp-servers-empty');
  }

  row(name: string): Locator {
    return this.page.getByTestId('mcp-server-row').filter({ has: this.page.getByRole('link', { name, exact: true }) });
  }
}

export type Registration =
  | { name: string; type: 'stdio'; command: string; args?: string[]; env?: string[] }
  | { name: string; type: 'http' | 'ws'; endpoint: string };

/** The form at /mcp-servers/new. */
export class RegisterMcpServerForm {
  constructor(private readonly page: Page) {}

  get form(): Locator {
    return this.page.getByRole('region', { name: /^New MCP server in/ });
  }

  field(label: string): Locator {
    return this.form.getByLabel(label, { exact: true });
  }

  get alert(): Locator {
    return this.form.getByRole('alert');
  }

  async submit(server: Registration): Promise<void> {
    await this.field('Name').fill(server.name);
    await this.field('Type').selectOption(server.type);
    if (server.type === 'stdio') {
      await this.field('Command').fill(server.command);
      if (server.args) await this.field('Arguments').fill(server.args.join('\n'));
      if (server.env) await this.field('Environment variables').fill(server.env.join('\n'));
    } else {
      await this.field('Endpoint URL').fill(server.endpoint);
    }
    await this.form.getByRole('button', { name: 'Register MCP server' }).click();
  }

  /** Registers the server and returns its id (the console opens its page). */
  async register(server: Registration): Promise<string> {
    await this.submit(server);
    await expect(this.page).toHaveURL(/\/mcp-servers\/[0-9a-f-]{36}$/);
    await expect(this.page.getByTestId('mcp-server-name')).toHaveText(server.name);
    return this.page.url().split('/').pop()!;
  }
}

/** /mcp-servers/[mcp_server_id]. */
export class McpServerPage {
  constructor(private readonly page: Page) {}

  get healthSection(): Locator {
    return this.page.getByRole('region', { name: 'Health' });
  }

  get healthStatus(): Locator {
    return this.healthSection.getByTestId('health-status');
  }

  get checkedAt(): Locator {
    return this.healthSection.getByTestId('health-checked-at');
  }

  /** Runs "Check health" and returns the result panel. */
  async checkHealth(): Promise<Locator> {
    await this.healthSection.getByRole('button', { name: 'Check health' }).click();
    const result = this.page.getByTestId('health-result');
    await expect(result).toBeVisible({ timeout: 30_000 });
    return result;
  }

  /** "Create a connection through this server"; the console opens the connection's page. */
  async createConnection(name: string): Promise<string> {
    const section = this.page.getByRole('region', { name: /^Connections through this server/ });
    await section.getByLabel('Connection name', { exact: true }).fill(name);
    await section.getByRole('button', { name: 'Create connection' }).click();
    await expect(this.page).toHaveURL(/\/connections\/[0-9a-f-]{36}$/);
    await expect(this.page.getByTestId('connection-name')).toHaveText(name);
    return this.page.url().split('/').pop()!;
  }
}
