DROP INDEX "users"."outbox_unpublished";--> statement-breakpoint
ALTER TABLE "users"."outbox" ADD COLUMN "attempts" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "users"."outbox" ADD COLUMN "last_error" text;--> statement-breakpoint
ALTER TABLE "users"."outbox" ADD COLUMN "parked_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "outbox_unpublished" ON "users"."outbox" USING btree ("seq") WHERE "users"."outbox"."published_at" is null and "users"."outbox"."parked_at" is null;