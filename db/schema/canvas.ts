// Saved Agent Designer canvases (React Flow state).
import { foreignKey, jsonb, pgTable, text, unique, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id, updatedAt } from './_columns';
import { environments, organizations } from './tenancy';

export const canvasStates = pgTable(
  'canvas_states',
  {
    id: id(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    // Null: an organization-wide canvas.
    environmentId: uuid('environment_id'),
    name: text('name').notNull().default('default'),
    stateJson: jsonb('state_json').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    // NULLS NOT DISTINCT: two org-wide canvases (null environment) with one name collide.
    // Also the org-scoped listing index.
    unique('canvas_states_org_env_name_unique')
      .on(t.organizationId, t.environmentId, t.name)
      .nullsNotDistinct(),
    // MATCH SIMPLE: only checked when environment_id is set.
    foreignKey({
      name: 'canvas_states_org_env_fk',
      columns: [t.organizationId, t.environmentId],
      foreignColumns: [environments.organizationId, environments.id],
    }).onDelete('cascade'),
  ],
);

export type CanvasState = typeof canvasStates.$inferSelect;
export type NewCanvasState = typeof canvasStates.$inferInsert;
