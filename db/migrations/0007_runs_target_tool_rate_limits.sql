ALTER TABLE "tools" ADD COLUMN "rate_limit_capacity" integer;--> statement-breakpoint
ALTER TABLE "tools" ADD COLUMN "rate_limit_refill_per_sec" double precision;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "target" text;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "via" text;--> statement-breakpoint
ALTER TABLE "tools" ADD CONSTRAINT "tools_rate_limit_check" CHECK (("tools"."rate_limit_capacity" is null or "tools"."rate_limit_capacity" >= 1) and ("tools"."rate_limit_refill_per_sec" is null or "tools"."rate_limit_refill_per_sec" >= 0));