// Page objects for sign-up, sign-in and the signed-in shell.
import { expect, type Page } from '@playwright/test';

export interface Account {
  firstName: string;
  lastName: string;
  email: string;
  password: string;
}

export function newAccount(label = 'user'): Account {
  const id = `${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
  return { firstName: 'Ada', lastName: 'Lovelace', email: `${label}-${id}@example.com`, password: 'analytical engine 1843' };
}

export class AuthPages {
  constructor(private readonly page: Page) {}

  async register(account: Account): Promise<void> {
    await this.page.goto('/register');
    await this.page.getByLabel('First name').fill(account.firstName);
    await this.page.getByLabel('Last name').fill(account.lastName);
    await this.page.getByLabel('Email').fill(account.email);
    await this.page.getByLabel('Password', { exact: true }).fill(account.password);
    await this.page.getByLabel('Confirm password').fill(account.password);
    await this.page.getByRole('button', { name: 'Create account' }).click();
  }

  async signIn(email: string, password: string): Promise<void> {
    await this.page.goto('/login');
    await this.page.getByLabel('Email').fill(email);
    await this.page.getByLabel('Password').fill(password);
    await this.page.getByRole('button', { name: 'Sign in' }).click();
  }

  async expectSignedInAs(name: string): Promise<void> {
    await expect(this.page).toHaveURL(/\/$/);
    await expect(this.page.getByTestId('signed-in-user')).toContainText(name);
    await expect(this.page.getByRole('heading', { name: 'Overview' })).toBeVisible();
  }

  async signOut(): Promise<void> {
    await this.page.getByRole('button', { name: 'Sign out' }).click();
    await expect(this.page).toHaveURL(/\/login$/);
  }
}
