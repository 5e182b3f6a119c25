// Page objects for connections (upstream MCP servers) and their tools.
import { expect, type Locator, type Page } from '@playwright/test';

export class ConnectionsPage {
  constructor(
    private readonly page: Page,
    private readonly orgId: string,
  ) {}

  async goto(): Promise<void> {
    await this.page.goto(`/orgs/${this.orgId}/connections`);
  }

  get addLink(): Locator {
    return this.page.getByRole('link', { name: 'Add connection', exact: true });
  }

  row(name: string): Locator {
    return this.page.getByTestId('connection-row').filter({ hasText: name });
  }
}

/** The create form at /connections/new. */
export class NewConnectionForm {
  constructor(private readonly page: Page) {}

  private get form(): Locator {
    return this.page.getByRole('region', { name: /^New connection in/ });
  }

  field(label: string): Locator {
    return this.form.getByLabel(label, { exact: true });
  }

  /** Creates the connection and returns its id (the console opens its page). */
  async create(connection: { name: string; endpoint: string; transport?: string }): Promise<string> {
    await this.field('Name').fill(connection.name);
    await this.field('Endpoint URL').fill(connection.endpoint);
    if (connection.transport !== undefined) await this.field('Transport').selectOption(connection.transport);
    await this.form.getByRole('button', { name: 'Create connection' }).click();
    await expect(this.page).toHaveURL(/\/connections\/[0-9a-f-]{36}$/);
    await expect(this.page.getByTestId('connection-name')).toHaveText(connection.name);
    return this.page.url().split('/').pop()!;
  }
}

/** /connections/[connection_id]: test, sync, synced tools. */
export class ConnectionPage {
  constructor(private readonly page: Page) {}

  async test(): Promise<Locator> {
    await this.page.getByRole('button', { name: 'Test connection' }).click();
    const result = this.page.getByTestId('test-result');
    await expect(result).toBeVisible({ timeout: 20_000 });
    return result;
  }

  async sync(): Promise<Locator> {
    await this.page.getByRole('button', { name: 'Sync tools' }).click();
    const result = this.page.getByTestId('sync-result');
    await expect(result).toBeVisible({ timeout: 30_000 });
    return result;
  }

  get toolsTable(): Locator {
    return this.page.getByRole('table', { name: 'Synced tools' });
  }

  toolRow(name: string): Locator {
    return this.toolsTable.getByTestId('tool-row').filter({ has: this.page.getByRole('link', { name, exact: true }) });
  }

  async openTool(name: string): Promise<void> {
    await this.toolRow(name).getByRole('link', { name, exact: true }).click();
    await expect(this.page.getByTestId('tool-name')).toHaveText(name);
  }
}

/** /tools/[tool_id]. */
export class ToolPage {
  constructor(private readonly page: Page) {}

  get inputSchema(): Locator {
    return this.page.getByTestId('tool-input-schema');
  }

  get reviewPanel(): Locator {
    return this.page.getByTestId('review-panel');
  }

  async approve(): Promise<void> {
    await this.reviewPanel.getByRole('button', { name: 'Approve new definition' }).click();
  }
}
