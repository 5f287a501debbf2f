ALTER TABLE "notifications"."inbox" ADD COLUMN "stream" text;--> statement-breakpoint
ALTER TABLE "notifications"."inbox" ADD COLUMN "stream_seq" bigint;--> statement-breakpoint
CREATE INDEX "inbox_position" ON "notifications"."inbox" USING btree ("stream","stream_seq");--> statement-breakpoint
CREATE INDEX "notifications_by_user" ON "notifications"."notifications" USING btree ("user_id","created_at" DESC NULLS LAST,"id" DESC NULLS LAST);