// Page objects for policies (list, create/edit, rules, bindings), the evaluate panel and an agent's
// effective permissions.
import { expect, type Locator, type Page } from '@playwright/test';

export class PoliciesPage {
  constructor(
    private readonly page: Page,
    private readonly orgId: string,
  ) {}

  async goto(): Promise<void> {
    await this.page.goto(`/orgs/${this.orgId}/policies`);
  }

  get newLink(): Locator {
    return this.page.getByRole('link', { name: 'New policy', exact: true });
  }

  get evaluateLink(): Locator {
    return this.page.getByRole('link', { name: 'Evaluate a request', exact: true });
  }

  get empty(): Locator {
    return this.page.getByTestId('policies-empty');
  }

  get rows(): Locator {
    return this.page.getByTestId('policy-row');
  }

  row(name: string): Locator {
    return this.rows.filter({ has: this.page.getByRole('link', { name, exact: true }) });
  }
}

export interface PolicyFields {
  name?: string;
  description?: string;
  /** The scope select's label: "Organization-wide" or "<env> (<type>)". */
  scope?: string;
  active?: boolean;
  /** One entry per line. */
  allow?: string;
  deny?: string;
}

/** The policy form: the create page's, or the policy page's "Edit policy". */
export class PolicyForm {
  constructor(private readonly container: Locator) {}

  static create(page: Page): PolicyForm {
    return new PolicyForm(page.getByRole('region', { name: 'Policy', exact: true }));
  }

  static edit(page: Page): PolicyForm {
    return new PolicyForm(page.getByRole('region', { name: 'Edit policy' }));
  }

  field(label: string): Locator {
    return this.container.getByLabel(label, { exact: true });
  }

  async fill(fields: PolicyFields): Promise<void> {
    if (fields.name !== undefined) await this.field('Name').fill(fields.name);
    if (fields.description !== undefined) await this.field('Description (optional)').fill(fields.description);
    if (fields.scope !== undefined) await this.field('Scope').selectOption({ label: fields.scope });
    if (fields.active !== undefined) await this.field('Active').setChecked(fields.active);
    if (fields.allow !== undefined) await this.field('Allow (short form)').fill(fields.allow);
    if (fields.deny !== undefined) await this.field('Deny (short form)').fill(fields.deny);
  }

  async submit(): Promise<void> {
    await this.container.getByRole('button', { name: /^(Create|Save) policy$/ }).click();
  }

  /** Creates the policy and returns its id (the console opens its page). */
  async create(fields: PolicyFields & { name: string }): Promise<string> {
    await this.fill(fields);
    await this.submit();
    const page = this.container.page();
    await expect(page).toHaveURL(/\/policies\/[0-9a-f-]{36}$/);
    await expect(page.getByTestId('policy-name')).toHaveText(fields.name);
    return page.url().split('/').pop()!;
  }
}

/** /policies/[policy_id]: the policy, its rules and bindings. */
export class PolicyPage {
  constructor(private readonly page: Page) {}

  get version(): Locator {
    return this.page.getByTestId('policy-version');
  }

  private get ruleForm(): Locator {
    return this.page.getByRole('form', { name: 'Add a rule' });
  }

  ruleField(label: string): Locator {
    return this.ruleForm.getByLabel(label, { exact: true });
  }

  get ruleRows(): Locator {
    return this.page.getByRole('table', { name: 'Rules' }).getByTestId('rule-row');
  }

  get shortFormRows(): Locator {
    return this.page.getByRole('table', { name: 'Rules' }).getByTestId('short-form-row');
  }

  async fillRule(rule: { action?: string; target: string; effect: 'allow' | 'deny'; conditions?: string }): Promise<void> {
    if (rule.action) await this.ruleField('Action').selectOption(rule.action);
    await this.ruleField('Target').fill(rule.target);
    await this.ruleField('Effect').selectOption(rule.effect);
    await this.ruleField('Conditions (JSON)').fill(rule.conditions ?? '');
  }

  async submitRule(): Promise<void> {
    await this.ruleForm.getByRole('button', { name: 'Add rule' }).click();
  }

  /** Adds a rule and returns its id. */
  async addRule(rule: Parameters<PolicyPage['fillRule']>[0]): Promise<string> {
    const before = await this.ruleRows.count();
    await this.fillRule(rule);
    await this.submitRule();
    await expect(this.page.getByRole('status').filter({ hasText: `Rule added: ${rule.effect}` })).toBeVisible();
    await expect(this.ruleRows).toHaveCount(before + 1);
    const row = this.ruleRows.filter({ hasText: rule.target }).last();
    return (await row.getAttribute('data-rule-id'))!;
  }

  private get bindingForm(): Locator {
    return this.page.getByRole('form', { name: 'Add a binding' });
  }

  get bindingRows(): Locator {
    return this.page.getByRole('table', { name: 'Bindings' }).getByTestId('binding-row');
  }

  /** Adds a binding; `appliesTo` is the option's label (or the text for resource_ns). */
  async addBinding(binding: { scopeType: string; appliesTo: string | RegExp; priority: number }): Promise<void> {
    await this.bindingForm.getByLabel('Scope type', { exact: true }).selectOption(binding.scopeType);
    const target = this.bindingForm.getByLabel('Applies to', { exact: true });
    if (binding.scopeType === 'resource_ns') await target.fill(String(binding.appliesTo));
    else {
      const options = await target.locator('option').allTextContents();
      const label = options.find((o) => (typeof binding.appliesTo === 'string' ? o === binding.appliesTo : binding.appliesTo.test(o)));
      expect(label, `an option matching ${binding.appliesTo}`).toBeTruthy();
      await target.selectOption({ label: label! });
    }
    await this.bindingForm.getByLabel('Priority', { exact: true }).fill(String(binding.priority));
    await this.bindingForm.getByRole('button', { name: 'Add binding' }).click();
    await expect(this.page.getByRole('status').filter({ hasText: `Binding added: ${binding.scopeType} at priority ${binding.priority}` })).toBeVisible();
  }

  async delete(name: string): Promise<void> {
    await this.page.locator('summary', { hasText: 'Delete policy' }).click();
    await this.page.getByLabel(`Type ${name} to confirm`).fill(name);
    await this.page.getByRole('button', { name: 'Delete this policy' }).click();
  }
}

/** /policies/evaluate */
export class EvaluatePanel {
  constructor(private readonly page: Page) {}

  private get form(): Locator {
    return this.page.getByRole('form', { name: 'Evaluate a request' });
  }

  get result(): Locator {
    return this.page.getByTestId('evaluate-result');
  }

  /** Asks; `subject` is the label of an agent, member or role option. Returns the answer. */
  async ask(request: { subject: string; action?: string; target: string; input?: string; now?: string }): Promise<Locator> {
    // Each answer carries its own key: wait for a new one, not for the previous answer.
    const previous = (await this.result.count()) ? await this.result.getAttribute('data-answer') : null;
    await this.form.getByLabel('Subject', { exact: true }).selectOption({ label: request.subject });
    if (request.action) await this.form.getByLabel('Action', { exact: true }).selectOption(request.action);
    await this.form.getByLabel('Target', { exact: true }).fill(request.target);
    await this.form.getByLabel('Input (JSON, optional)').fill(request.input ?? '');
    if (request.now !== undefined) await this.form.getByLabel('Time (UTC, optional)').fill(request.now);
    await this.form.getByRole('button', { name: 'Evaluate' }).click();
    if (previous !== null) await expect(this.result).not.toHaveAttribute('data-answer', previous);
    await expect(this.result).toContainText(request.target);
    return this.result;
  }

  get decision(): Locator {
    return this.result.getByTestId('decision-badge');
  }

  get reason(): Locator {
    return this.result.getByTestId('evaluate-reason');
  }

  get explanation(): Locator {
    return this.result.getByTestId('evaluate-explanation');
  }
}

/** /agents/[agent_id]/permissions */
export class AgentPermissionsPage {
  constructor(
    private readonly page: Page,
    private readonly orgId: string,
    private readonly agentId: string,
  ) {}

  async goto(): Promise<void> {
    await this.page.goto(`/orgs/${this.orgId}/agents/${this.agentId}/permissions`);
    await expect(this.page.getByRole('heading', { level: 1, name: 'Effective permissions' })).toBeVisible();
  }

  get summary(): Locator {
    return this.page.getByTestId('permissions-summary');
  }

  row(target: string): Locator {
    return this.page.locator(`[data-testid="permission-row"][data-target="${target}"]`);
  }

  decision(target: string): Locator {
    return this.row(target).getByTestId('decision-badge');
  }

  visibility(target: string): Locator {
    return this.row(target).getByTestId('permission-visible');
  }

  reason(target: string): Locator {
    return this.row(target).getByTestId('permission-reason');
  }

  explanation(target: string): Locator {
    return this.row(target).getByTestId('permission-explanation');
  }
}
