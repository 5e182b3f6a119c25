import { expect, test, type Browser, type Page } from '@playwright/test';
import { AuthPages, newAccount, type Account } from './pages/auth';
import { EnvironmentsPage, MembersPage, OrgHeader, OrganizationsPage, OrgSettingsPage } from './pages/tenancy';

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

test('an owner sets up an organization; an invited viewer sees it read-only and cannot change it', async ({ browser }) => {
  const owner = await signedInUser(browser, 'owner', 'Olivia');
  const viewer = await signedInUser(browser, 'viewer', 'Victor');
  const orgName = uniqueName('Acme');

  const orgId = await new OrganizationsPage(owner.page).create(orgName);
  const header = new OrgHeader(owner.page);
  await expect(header.orgSelect.locator('option:checked')).toHaveText(orgName);
  await expect(owner.page.getByText('none yet')).toBeVisible();

  // Environments: the first one becomes the selected one; the header switches and remembers.
  await header.open('Environments');
  const environments = new EnvironmentsPage(owner.page, orgId);
  await environments.create('prod-eu', 'production');
  await environments.create('sandbox', 'development');
  await expect(header.envSelect.locator('option:checked')).toHaveText('prod-eu (production)');
  await header.useEnvironment('sandbox (development)');
  await expect(environments.row('sandbox')).toContainText('selected');
  await owner.page.reload();
  await expect(header.envSelect.locator('option:checked')).toHaveText('sandbox (development)');

  // Before the invitation the viewer learns nothing about the organization: 404, as for a bad id.
  await viewer.page.goto(`/orgs/${orgId}`);
  await expect(viewer.page.getByText('This page could not be found.')).toBeVisible();

  await header.open('Members');
  const members = new MembersPage(owner.page, orgId);
  await members.invite(viewer.account.email, 'viewer');
  await expect(owner.page.getByRole('status').filter({ hasText: `Added ${viewer.account.email} as viewer.` })).toBeVisible();
  await expect(members.row(viewer.account.email)).toContainText('active');
  await expect(members.roleSelect(viewer.account.email)).toHaveValue('viewer');

  // The viewer sees the organization, its environments and members, and no edit controls.
  await viewer.page.goto('/');
  await viewer.page.getByRole('link', { name: orgName }).click();
  await expect(viewer.page.getByRole('heading', { level: 1, name: orgName })).toBeVisible();
  const viewerSettings = new OrgSettingsPage(viewer.page, orgId);
  await expect(viewer.page.getByText('Only owners can rename or delete this organization.')).toBeVisible();
  await expect(viewerSettings.renameButton).toHaveCount(0);
  await expect(viewerSettings.deleteDisclosure).toHaveCount(0);

  const viewerHeader = new OrgHeader(viewer.page);
  await viewerHeader.open('Environments');
  const viewerEnvironments = new EnvironmentsPage(viewer.page, orgId);
  await expect(viewerEnvironments.row('prod-eu')).toBeVisible();
  await expect(viewerEnvironments.createButton).toHaveCount(0);
  await expect(viewer.page.getByText('Edit', { exact: true })).toHaveCount(0);

  await viewerHeader.open('Members');
  const viewerMembers = new MembersPage(viewer.page, orgId);
  await expect(viewerMembers.row(owner.account.email)).toContainText('owner');
  await expect(viewerMembers.inviteButton).toHaveCount(0);
  await expect(viewer.page.getByRole('combobox')).toHaveCount(2); // only the header's two switchers

  // The server refuses regardless of what the page shows. REST, with the viewer's session:
  const origin = new URL(viewer.page.url()).origin;
  const patch = await viewer.page.request.patch(`/api/v1/orgs/${orgId}/`, {
    data: { name: 'Taken over' },
    headers: { Origin: origin },
  });
  expect(patch.status()).toBe(403);
  expect((await patch.json()).error.code).toBe('forbidden');

  // And the server action: the viewer's browser (without JavaScript) is handed the owner's page
  // with its rename form, and posts it with the viewer's own session cookie.
  const ownerHtml = await (await owner.page.request.get(`/orgs/${orgId}`)).text();
  const forgery = await browser.newContext({ javaScriptEnabled: false, storageState: await viewer.page.context().storageState() });
  const forger = await forgery.newPage();
  await forger.route(`**/orgs/${orgId}`, (route) =>
    route.request().method() === 'GET' ? route.fulfill({ contentType: 'text/html', body: ownerHtml }) : route.continue(),
  );
  await forger.goto(`/orgs/${orgId}`);
  await forger.getByLabel('Name', { exact: true }).fill('Taken over');
  const [post] = await Promise.all([
    forger.waitForResponse((r) => r.request().method() === 'POST'),
    forger.getByRole('button', { name: 'Rename' }).click(),
  ]);
  expect(post.status()).toBe(200);
  const after = await viewer.page.request.get(`/api/v1/orgs/${orgId}/`);
  expect((await after.json()).name).toBe(orgName);
  await owner.page.goto(`/orgs/${orgId}`);
  await expect(owner.page.getByRole('heading', { level: 1, name: orgName })).toBeVisible();

  // Both read the same verified audit trail of all of it, the viewer's refusals included.
  for (const page of [owner.page, viewer.page]) {
    await new OrgHeader(page).open('Audit log');
    await expect(page.getByTestId('chain-status')).toContainText('Chain verified');
    const rows = page.getByTestId('audit-row');
    await expect(rows.filter({ hasText: 'organization.create' })).toHaveCount(1);
    await expect(rows.filter({ hasText: 'environment.create' })).toHaveCount(2);
    await expect(rows.filter({ hasText: 'membership.create' })).toHaveCount(1);
    await expect(rows.filter({ hasText: 'access.denied' }).first()).toBeVisible();
  }
  // Filters narrow the list; the export carries the same filter.
  await viewer.page.getByLabel('Action').fill('environment.create');
  await viewer.page.getByRole('button', { name: 'Apply filters' }).click();
  await expect(viewer.page.getByTestId('audit-row')).toHaveCount(2);
  const csvHref = await viewer.page.getByRole('link', { name: 'Export CSV' }).getAttribute('href');
  const csv = await (await viewer.page.request.get(csvHref!)).text();
  expect(csv.trim().split('\n')).toHaveLength(3); // header + two events
  expect(csv).toContain('environment.create');

  await forgery.close();
  await owner.page.context().close();
  await viewer.page.context().close();
});

test('the last owner cannot demote themselves, and the refusal is shown', async ({ browser }) => {
  const owner = await signedInUser(browser, 'lastowner', 'Olga');
  const orgId = await new OrganizationsPage(owner.page).create(uniqueName('Solo'));
  const members = new MembersPage(owner.page, orgId);
  await members.goto();

  await members.changeRole(owner.account.email, 'admin');
  await expect(members.row(owner.account.email).getByRole('alert')).toHaveText(
    'An organization needs at least one owner: make someone else owner first',
  );
  await expect(members.roleSelect(owner.account.email)).toHaveValue('owner');
  await owner.page.reload();
  await expect(members.roleSelect(owner.account.email)).toHaveValue('owner');
  await owner.page.context().close();
});

test('an owner switches organizations, edits and deletes with typed confirmation', async ({ browser }) => {
  const owner = await signedInUser(browser, 'settings', 'Otto');
  const orgs = new OrganizationsPage(owner.page);
  const first = uniqueName('First');
  const second = uniqueName('Second');
  const firstId = await orgs.create(first);
  const secondId = await orgs.create(second);

  // The switcher keeps the area: from the second org's members to the first org's members.
  const header = new OrgHeader(owner.page);
  await header.open('Members');
  await header.switchOrganization(first);
  await expect(owner.page).toHaveURL(new RegExp(`/orgs/${firstId}/members$`));

  // Environments: rename and retype, then delete after typing the name.
  const environments = new EnvironmentsPage(owner.page, firstId);
  await environments.goto();
  await expect(owner.page.getByTestId('environments-empty')).toBeVisible();
  await environments.create('qa', 'development');
  await environments.submitNew('qa', 'staging');
  await expect(owner.page.getByRole('alert').filter({ hasText: 'already has an environment with this name' })).toBeVisible();
  await expect(owner.page.getByText('Already taken')).toBeVisible();
  await environments.edit('qa', { name: 'qa-eu', type: 'staging' });
  await expect(owner.page.getByRole('status').filter({ hasText: 'Environment qa-eu saved.' })).toBeVisible();
  await expect(environments.row('qa-eu')).toContainText('staging');
  await environments.delete('qa-eu');
  await expect(owner.page.getByTestId('environments-empty')).toBeVisible();

  // The organization: rename, then a wrong confirmation is refused and the right one deletes.
  const settings = new OrgSettingsPage(owner.page, secondId);
  await settings.goto();
  const renamedOrg = `${second} renamed`;
  await settings.rename(renamedOrg);
  await expect(owner.page.getByRole('status').filter({ hasText: `Renamed to ${renamedOrg}.` })).toBeVisible();
  await expect(owner.page.getByRole('heading', { level: 1, name: renamedOrg })).toBeVisible();
  await expect(header.orgSelect.locator('option:checked')).toHaveText(renamedOrg);

  await settings.deleteTyping('not the name');
  await expect(owner.page.getByText(`Does not match ${renamedOrg}`)).toBeVisible();
  await expect(owner.page.getByRole('alert').filter({ hasText: 'Nothing was deleted' })).toBeVisible();
  await settings.deleteTyping(renamedOrg);
  await expect(owner.page).toHaveURL(/\/orgs$/);
  await expect(owner.page.getByRole('link', { name: renamedOrg })).toHaveCount(0);
  await expect(owner.page.getByRole('link', { name: first })).toBeVisible();
  await owner.page.goto(`/orgs/${secondId}`);
  await expect(owner.page.getByText('This page could not be found.')).toBeVisible();
  await owner.page.context().close();
});
