ALTER TABLE "connections" ADD COLUMN "enabled" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "connections" ADD COLUMN "status_detail" jsonb DEFAULT '{}'::jsonb NOT NULL;