DROP INDEX "orders"."orders_by_user";--> statement-breakpoint
CREATE INDEX "orders_by_user" ON "orders"."orders" USING btree ("user_id","created_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);