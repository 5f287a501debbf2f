CREATE INDEX "idempotency_keys_created" ON "orders"."idempotency_keys" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "inbox_handled" ON "orders"."inbox" USING btree ("handled_at");--> statement-breakpoint
CREATE INDEX "outbox_published" ON "orders"."outbox" USING btree ("published_at") WHERE "orders"."outbox"."published_at" is not null;--> statement-breakpoint
CREATE INDEX "timeline_at" ON "orders"."timeline" USING btree ("at");