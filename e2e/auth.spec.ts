import { expect, test } from '@playwright/test';
import { AuthPages, newAccount } from './pages/auth';

test('register, see the signed-in shell, sign out, sign in again', async ({ page }) => {
  const auth = new AuthPages(page);
  const account = newAccount('register');

  await auth.register(account);
  await auth.expectSignedInAs('Ada Lovelace');
  await expect(page.getByTestId('orgs-empty')).toBeVisible();

  await auth.signOut();
  // Signed out: the console sends us back to the sign-in page.
  await page.goto('/');
  await expect(page).toHaveURL(/\/login$/);

  await auth.signIn(account.email, account.password);
  await auth.expectSignedInAs('Ada Lovelace');
  await auth.signOut();
});

test('a wrong password is refused with a message, and field errors are shown', async ({ page }) => {
  const auth = new AuthPages(page);
  const account = newAccount('wrong');
  await auth.register(account);
  await auth.signOut();

  await auth.signIn(account.email, 'not the password');
  await expect(page.getByRole('alert').filter({ hasText: 'Invalid email' })).toHaveText('Invalid email or password.');
  await expect(page).toHaveURL(/\/login$/);

  await page.goto('/register');
  await page.getByLabel('Email').fill('not-an-email');
  await page.getByLabel('Password', { exact: true }).fill('short');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByText('Enter a valid email address')).toBeVisible();
  await expect(page.getByText('Use at least 8 characters')).toBeVisible();
});

test('a password change ends the other browser sessions', async ({ browser }) => {
  const first = await browser.newContext();
  const second = await browser.newContext();
  const a = await first.newPage();
  const b = await second.newPage();
  const account = newAccount('pwchange');
  const authA = new AuthPages(a);
  const authB = new AuthPages(b);

  await authA.register(account);
  await authA.expectSignedInAs('Ada Lovelace');
  await authB.signIn(account.email, account.password);
  await authB.expectSignedInAs('Ada Lovelace');

  await a.goto('/account');
  await a.getByLabel('Current password', { exact: true }).fill(account.password);
  await a.getByLabel('New password', { exact: true }).fill('a brand new passphrase');
  await a.getByLabel('Confirm new password').fill('a brand new passphrase');
  await a.getByRole('button', { name: 'Change password' }).click();
  await expect(a).toHaveURL(/\/login$/);

  await b.reload();
  await expect(b).toHaveURL(/\/login$/);
  await authB.signIn(account.email, 'a brand new passphrase');
  await authB.expectSignedInAs('Ada Lovelace');
  await first.close();
  await second.close();
});

test('unauthenticated pages redirect to sign-in and security headers are set', async ({ page, request }) => {
  await page.goto('/account');
  await expect(page).toHaveURL(/\/login$/);
  const res = await request.get('/login');
  expect(res.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
});
