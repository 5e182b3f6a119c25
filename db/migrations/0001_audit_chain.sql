CREATE TABLE "audit_chain_heads" (
	"chain_key" text PRIMARY KEY NOT NULL,
	"last_seq" bigint DEFAULT 0 NOT NULL,
	"last_hash" text DEFAULT '' NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
DROP INDEX "audit_events_org_ts_id_idx";--> statement-breakpoint
CREATE INDEX "audit_events_unchained_idx" ON "audit_events" USING btree ("organization_id","ts","id") WHERE "audit_events"."hash" is null;--> statement-breakpoint
CREATE INDEX "audit_events_org_ts_id_idx" ON "audit_events" USING btree ("organization_id","ts" DESC NULLS LAST,"id" DESC NULLS LAST);