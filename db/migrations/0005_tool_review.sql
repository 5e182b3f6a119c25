ALTER TABLE "tools" ADD COLUMN "annotations" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "tools" ADD COLUMN "output_schema" jsonb;--> statement-breakpoint
ALTER TABLE "tools" ADD COLUMN "origin" text DEFAULT 'sync' NOT NULL;--> statement-breakpoint
ALTER TABLE "tools" ADD COLUMN "pending_definition" jsonb;--> statement-breakpoint
ALTER TABLE "tools" ADD CONSTRAINT "tools_origin_check" CHECK ("tools"."origin" in ('sync', 'manual'));