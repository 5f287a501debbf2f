DROP INDEX "catalog"."outbox_unpublished";--> statement-breakpoint
ALTER TABLE "catalog"."products" ALTER COLUMN "price_cents" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "catalog"."inbox" ADD COLUMN "stream" text;--> statement-breakpoint
ALTER TABLE "catalog"."inbox" ADD COLUMN "stream_seq" bigint;--> statement-breakpoint
ALTER TABLE "catalog"."outbox" ADD COLUMN "attempts" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "catalog"."outbox" ADD COLUMN "last_error" text;--> statement-breakpoint
ALTER TABLE "catalog"."outbox" ADD COLUMN "parked_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "inbox_position" ON "catalog"."inbox" USING btree ("stream","stream_seq");--> statement-breakpoint
CREATE INDEX "outbox_unpublished" ON "catalog"."outbox" USING btree ("seq") WHERE "catalog"."outbox"."published_at" is null and "catalog"."outbox"."parked_at" is null;