// Page objects for running a tool from its page, the runs list and a run's timeline.
import { expect, type Locator, type Page } from '@playwright/test';

/** The "Run this tool" section of /tools/[tool_id]. */
export class RunToolPanel {
  constructor(private readonly page: Page) {}

  get form(): Locator {
    return this.page.getByRole('form', { name: 'Run this tool' });
  }

  field(label: string): Locator {
    return this.form.getByLabel(label, { exact: true });
  }

  /** The last answer: the tool's result or the refusal. */
  get answer(): Locator {
    return this.page.locator('[data-testid="run-result"], [data-testid="run-refusal"]');
  }

  get result(): Locator {
    return this.page.getByTestId('run-result');
  }

  get refusal(): Locator {
    return this.page.getByTestId('run-refusal');
  }

  get timelineLink(): Locator {
    return this.answer.getByTestId('run-timeline-link');
  }

  /** Runs the tool as `agent` (the option's label) and waits for the new answer. */
  async run(call: { agent: string; input: string; timeout?: string }): Promise<Locator> {
    // Each answer carries its own key: wait for a new one, not for the previous answer.
    const previous = (await this.answer.count()) ? await this.answer.getAttribute('data-answer') : null;
    await this.field('Run as agent').selectOption({ label: call.agent });
    await this.field('Input (JSON)').fill(call.input);
    if (call.timeout !== undefined) await this.field('Timeout (seconds, optional)').fill(call.timeout);
    await this.form.getByRole('button', { name: 'Run tool' }).click();
    await expect(this.answer).toBeVisible({ timeout: 30_000 });
    if (previous !== null) await expect(this.answer).not.toHaveAttribute('data-answer', previous);
    return this.answer;
  }

  /** Follows the answer's link to the run's timeline; returns the run id. */
  async openTimeline(): Promise<string> {
    await this.timelineLink.click();
    await expect(this.page).toHaveURL(/\/runs\/[0-9a-f-]{36}$/);
    return this.page.url().split('/').pop()!;
  }
}

/** /runs: the list with its filters. */
export class RunsPage {
  constructor(
    private readonly page: Page,
    private readonly orgId: string,
  ) {}

  async goto(query = ''): Promise<void> {
    await this.page.goto(`/orgs/${this.orgId}/runs${query}`);
  }

  get empty(): Locator {
    return this.page.getByTestId('runs-empty');
  }

  get rows(): Locator {
    return this.page.getByRole('table', { name: 'Runs' }).getByTestId('run-row');
  }

  row(target: string): Locator {
    return this.rows.filter({ has: this.page.getByTestId('run-target').getByText(target, { exact: true }) });
  }

  private get filters(): Locator {
    return this.page.getByRole('form', { name: 'Filter runs' });
  }

  /** Sets the filters given (option labels), leaves the others, and applies them. */
  async filter(by: { status?: string; agent?: string; tool?: string }): Promise<void> {
    if (by.status !== undefined) await this.filters.getByLabel('Status', { exact: true }).selectOption({ label: by.status });
    if (by.agent !== undefined) await this.filters.getByLabel('Agent', { exact: true }).selectOption({ label: by.agent });
    if (by.tool !== undefined) await this.filters.getByLabel('Tool', { exact: true }).selectOption({ label: by.tool });
    await this.filters.getByRole('button', { name: 'Filter' }).click();
  }
}

/** /runs/[run_id]: header, timeline, input/output and the run's audit events. */
export class RunPage {
  constructor(private readonly page: Page) {}

  get status(): Locator {
    return this.page.getByRole('heading', { level: 1 }).getByTestId('run-status');
  }

  get target(): Locator {
    return this.page.getByRole('heading', { level: 1 }).getByTestId('run-target');
  }

  get errorText(): Locator {
    return this.page.getByTestId('run-error-text');
  }

  get actor(): Locator {
    return this.page.getByTestId('run-actor');
  }

  get steps(): Locator {
    return this.page.getByTestId('run-step');
  }

  step(type: string): Locator {
    return this.page.locator(`[data-testid="run-step"][data-step-type="${type}"]`);
  }

  async stepTypes(): Promise<string[]> {
    return this.steps.evaluateAll((els) => els.map((e) => e.getAttribute('data-step-type') ?? ''));
  }

  get output(): Locator {
    return this.page.getByTestId('run-output');
  }

  get auditEvents(): Locator {
    return this.page.getByTestId('run-audit-event');
  }

  auditEvent(eventType: string): Locator {
    return this.page.locator(`[data-testid="run-audit-event"][data-event-type="${eventType}"]`);
  }

  get auditLink(): Locator {
    return this.page.getByTestId('run-audit-link');
  }
}
