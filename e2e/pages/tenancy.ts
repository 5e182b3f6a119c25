// Page objects for organizations, environments, members and the header's switchers.
import { expect, type Locator, type Page } from '@playwright/test';

export type Role = 'viewer' | 'member' | 'admin' | 'owner';
export type EnvironmentType = 'development' | 'staging' | 'production';

const AREA_PATHS = { Settings: '', Environments: '/environments', Members: '/members', 'Audit log': '/audit' };

/** The header's second row inside an organization. */
export class OrgHeader {
  constructor(private readonly page: Page) {}

  get orgSelect(): Locator {
    return this.page.getByRole('combobox', { name: 'Organization', exact: true });
  }

  get envSelect(): Locator {
    return this.page.getByRole('combobox', { name: 'Environment', exact: true });
  }

  async switchOrganization(name: string): Promise<void> {
    await this.orgSelect.selectOption({ label: name });
    await this.page.getByRole('button', { name: 'Switch organization' }).click();
  }

  async useEnvironment(label: string): Promise<void> {
    await this.envSelect.selectOption({ label });
    await this.page.getByRole('button', { name: 'Use environment' }).click();
  }

  async open(area: keyof typeof AREA_PATHS): Promise<void> {
    await this.page.getByRole('navigation', { name: 'Organization' }).getByRole('link', { name: area }).click();
    await expect(this.page).toHaveURL(new RegExp(`/orgs/[0-9a-f-]{36}${AREA_PATHS[area]}$`));
  }
}

export class OrganizationsPage {
  constructor(private readonly page: Page) {}

  /** Creates an organization and returns its id (the console goes to it). */
  async create(name: string): Promise<string> {
    await this.page.goto('/orgs');
    await this.page.getByLabel('Organization name').fill(name);
    await this.page.getByRole('button', { name: 'Create organization' }).click();
    await expect(this.page).toHaveURL(/\/orgs\/[0-9a-f-]{36}$/);
    await expect(this.page.getByRole('heading', { level: 1, name })).toBeVisible();
    return this.page.url().split('/').pop()!;
  }
}

export class OrgSettingsPage {
  constructor(
    private readonly page: Page,
    private readonly orgId: string,
  ) {}

  async goto(): Promise<void> {
    await this.page.goto(`/orgs/${this.orgId}`);
  }

  get renameButton(): Locator {
    return this.page.getByRole('button', { name: 'Rename' });
  }

  get deleteDisclosure(): Locator {
    return this.page.locator('summary', { hasText: 'Delete organization' });
  }

  get confirmInput(): Locator {
    return this.page.getByLabel(/^Type .* to confirm$/);
  }

  async rename(name: string): Promise<void> {
    await this.page.getByLabel('Name', { exact: true }).fill(name);
    await this.renameButton.click();
  }

  async deleteTyping(confirmation: string): Promise<void> {
    // The disclosure stays open after a refused attempt.
    if (!(await this.confirmInput.isVisible())) await this.deleteDisclosure.click();
    await this.confirmInput.fill(confirmation);
    await this.page.getByRole('button', { name: 'Delete this organization' }).click();
  }
}

export class EnvironmentsPage {
  constructor(
    private readonly page: Page,
    private readonly orgId: string,
  ) {}

  async goto(): Promise<void> {
    await this.page.goto(`/orgs/${this.orgId}/environments`);
  }

  get createButton(): Locator {
    return this.page.getByRole('button', { name: 'Create environment' });
  }

  row(name: string): Locator {
    return this.page.getByTestId('environment-row').filter({ hasText: name });
  }

  async submitNew(name: string, type: EnvironmentType): Promise<void> {
    const form = this.page.getByRole('region', { name: 'Create environment' });
    await form.getByLabel('Environment name').fill(name);
    await form.getByLabel('Type', { exact: true }).selectOption(type);
    await this.createButton.click();
  }

  async create(name: string, type: EnvironmentType): Promise<void> {
    await this.submitNew(name, type);
    await expect(this.page.getByRole('status').filter({ hasText: `Environment ${name} created.` })).toBeVisible();
    await expect(this.row(name)).toBeVisible();
  }

  async edit(name: string, changes: { name: string; type: EnvironmentType }): Promise<void> {
    const row = this.row(name);
    await row.locator('summary', { hasText: 'Edit' }).click();
    await row.getByLabel('Name', { exact: true }).fill(changes.name);
    await row.getByLabel('Type', { exact: true }).selectOption(changes.type);
    await row.getByRole('button', { name: 'Save' }).click();
  }

  async delete(name: string): Promise<void> {
    const row = this.row(name);
    await row.locator('summary', { hasText: 'Delete environment' }).click();
    await row.getByLabel(`Type ${name} to confirm`).fill(name);
    await row.getByRole('button', { name: 'Delete this environment' }).click();
  }
}

export class MembersPage {
  constructor(
    private readonly page: Page,
    private readonly orgId: string,
  ) {}

  async goto(): Promise<void> {
    await this.page.goto(`/orgs/${this.orgId}/members`);
  }

  get inviteButton(): Locator {
    return this.page.getByRole('button', { name: 'Invite' });
  }

  row(email: string): Locator {
    return this.page.getByTestId('member-row').filter({ hasText: email });
  }

  roleSelect(email: string): Locator {
    return this.page.getByRole('combobox', { name: `Role of ${email}` });
  }

  async invite(email: string, role: Role): Promise<void> {
    const form = this.page.getByRole('region', { name: 'Invite someone' });
    await form.getByLabel('Email').fill(email);
    await form.getByLabel('Role', { exact: true }).selectOption(role);
    await this.inviteButton.click();
  }

  async changeRole(email: string, role: Role): Promise<void> {
    await this.roleSelect(email).selectOption(role);
    await this.page.getByRole('button', { name: `Save role of ${email}` }).click();
  }
}
