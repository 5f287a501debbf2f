ALTER TABLE "history"."order_history" ALTER COLUMN "total_cents" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "history"."inbox" ADD COLUMN "stream" text;--> statement-breakpoint
ALTER TABLE "history"."inbox" ADD COLUMN "stream_seq" bigint;--> statement-breakpoint
CREATE INDEX "inbox_position" ON "history"."inbox" USING btree ("stream","stream_seq");