DROP INDEX "orders"."outbox_unpublished";--> statement-breakpoint
ALTER TABLE "orders"."order_lines" ALTER COLUMN "unit_price_cents" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "orders"."orders" ALTER COLUMN "total_cents" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "orders"."inbox" ADD COLUMN "stream" text;--> statement-breakpoint
ALTER TABLE "orders"."inbox" ADD COLUMN "stream_seq" bigint;--> statement-breakpoint
ALTER TABLE "orders"."outbox" ADD COLUMN "attempts" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "orders"."outbox" ADD COLUMN "last_error" text;--> statement-breakpoint
ALTER TABLE "orders"."outbox" ADD COLUMN "parked_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "inbox_position" ON "orders"."inbox" USING btree ("stream","stream_seq");--> statement-breakpoint
CREATE INDEX "outbox_unpublished" ON "orders"."outbox" USING btree ("seq") WHERE "orders"."outbox"."published_at" is null and "orders"."outbox"."parked_at" is null;