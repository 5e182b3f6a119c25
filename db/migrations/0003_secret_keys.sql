CREATE TABLE "secret_keys" (
	"id" text PRIMARY KEY NOT NULL,
	"wrapped_key" text NOT NULL,
	"provider" text NOT NULL,
	"kek_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"retired_at" timestamp with time zone
);
--> statement-breakpoint
CREATE INDEX "secret_keys_created_idx" ON "secret_keys" USING btree ("created_at");--> statement-breakpoint
ALTER TABLE "secrets" ADD CONSTRAINT "secrets_key_id_secret_keys_id_fk" FOREIGN KEY ("key_id") REFERENCES "public"."secret_keys"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "secrets_key_idx" ON "secrets" USING btree ("key_id");