DROP INDEX "payments"."outbox_unpublished";--> statement-breakpoint
ALTER TABLE "payments"."charges" ALTER COLUMN "amount_cents" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "payments"."deposits" ALTER COLUMN "amount_cents" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "payments"."refunds" ALTER COLUMN "amount_cents" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "payments"."wallets" ALTER COLUMN "balance_cents" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "payments"."inbox" ADD COLUMN "stream" text;--> statement-breakpoint
ALTER TABLE "payments"."inbox" ADD COLUMN "stream_seq" bigint;--> statement-breakpoint
ALTER TABLE "payments"."outbox" ADD COLUMN "attempts" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "payments"."outbox" ADD COLUMN "last_error" text;--> statement-breakpoint
ALTER TABLE "payments"."outbox" ADD COLUMN "parked_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "inbox_position" ON "payments"."inbox" USING btree ("stream","stream_seq");--> statement-breakpoint
CREATE INDEX "outbox_unpublished" ON "payments"."outbox" USING btree ("seq") WHERE "payments"."outbox"."published_at" is null and "payments"."outbox"."parked_at" is null;