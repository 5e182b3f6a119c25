// Tool runs, their step timeline, and the model price list used for cost analytics.
import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  foreignKey,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  text,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { createdAt, id, ts, updatedAt } from './_columns';
import { sqlList } from './_sql';
import { users } from './accounts';
import { agents } from './agents';
import { environments, organizations } from './tenancy';
import { tools } from './tools';

export const RUN_STATUSES = ['pending', 'running', 'succeeded', 'failed'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const runs = pgTable(
  'runs',
  {
    id: id(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    environmentId: uuid('environment_id').notNull(),
    // agent/tool are nullable with SET NULL so run history (and its costs) survives deleting
    // the agent or tool. A denied call whose tool could not be resolved also has no tool.
    agentId: uuid('agent_id').references(() => agents.id, { onDelete: 'set null' }),
    toolId: uuid('tool_id').references(() => tools.id, { onDelete: 'set null' }),
    // The user who ran the tool "as" the agent, when it was a user (API-NOTES "Policies").
    userId: uuid('user_id').references(() => users.id, { onDelete: 'set null' }),
    status: text('status').$type<RunStatus>().notNull().default('pending'),
    // What was asked to run: `tool:<connection>/<tool>` once resolved (`tool:system/<name>` for the
    // built-in tools, which have no tool row), else the identifier as given. Kept on the run so
    // history reads the same after a tool or connection is renamed or deleted.
    target: text('target'),
    // The entry point: rest (runs/execute), mcp (the fabric), console (a user in the browser).
    via: text('via'),
    startedAt: ts('started_at'),
    endedAt: ts('ended_at'),
    inputJson: jsonb('input_json').$type<Record<string, unknown>>().notNull().default({}),
    outputJson: jsonb('output_json').$type<unknown>(),
    // Why a failed run failed, e.g. "No policy explicitly allows tool.invoke on tool:conn/echo".
    errorText: text('error_text'),
    durationMs: integer('duration_ms'),
    // Cost analytics. Cost is computed from model_pricing when the run ends and stored, so later
    // price changes do not rewrite history. numeric is read back as a string (exact decimals).
    modelName: text('model_name'),
    inputTokens: integer('input_tokens').notNull().default(0),
    outputTokens: integer('output_tokens').notNull().default(0),
    cost: numeric('cost', { precision: 18, scale: 8 }),
    currency: text('currency'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    // Keyset paging: newest first, id breaks ties.
    index('runs_org_created_id_idx').on(t.organizationId, t.createdAt.desc(), t.id),
    index('runs_org_agent_created_idx').on(t.organizationId, t.agentId, t.createdAt),
    index('runs_org_tool_created_idx').on(t.organizationId, t.toolId, t.createdAt),
    foreignKey({
      name: 'runs_org_env_fk',
      columns: [t.organizationId, t.environmentId],
      foreignColumns: [environments.organizationId, environments.id],
    }).onDelete('cascade'),
    check('runs_status_check', sql`${t.status} in (${sqlList(RUN_STATUSES)})`),
    check('runs_tokens_check', sql`${t.inputTokens} >= 0 and ${t.outputTokens} >= 0`),
  ],
);

export type Run = typeof runs.$inferSelect;
export type NewRun = typeof runs.$inferInsert;

// Append-only timeline of a run (policy decision, validation, upstream call, result...).
export const runSteps = pgTable(
  'run_steps',
  {
    id: id(),
    runId: uuid('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    stepType: text('step_type').notNull(),
    message: text('message').notNull().default(''),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
    timestamp: ts('timestamp').notNull().defaultNow(),
    durationMs: integer('duration_ms'),
    createdAt: createdAt(),
  },
  (t) => [index('run_steps_run_timestamp_idx').on(t.runId, t.timestamp)],
);

export type RunStep = typeof runSteps.$inferSelect;
export type NewRunStep = typeof runSteps.$inferInsert;

// Global reference data (not org-scoped): price per 1k tokens, by model, from a date on.
export const modelPricing = pgTable(
  'model_pricing',
  {
    id: id(),
    modelName: text('model_name').notNull(),
    provider: text('provider').notNull(),
    inputCostPer1k: numeric('input_cost_per_1k', { precision: 18, scale: 8 }).notNull(),
    outputCostPer1k: numeric('output_cost_per_1k', { precision: 18, scale: 8 }).notNull(),
    currency: text('currency').notNull().default('USD'),
    effectiveFrom: ts('effective_from').notNull().defaultNow(),
    isActive: boolean('is_active').notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    // Also serves "latest price of model X at time T": (model_name, effective_from <= T) desc.
    uniqueIndex('model_pricing_model_effective_unique').on(t.modelName, t.effectiveFrom),
    check(
      'model_pricing_costs_check',
      sql`${t.inputCostPer1k} >= 0 and ${t.outputCostPer1k} >= 0`,
    ),
  ],
);

export type ModelPricing = typeof modelPricing.$inferSelect;
export type NewModelPricing = typeof modelPricing.$inferInsert;
