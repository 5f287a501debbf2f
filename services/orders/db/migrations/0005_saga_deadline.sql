CREATE TABLE "orders"."failed_compensations" (
	"order_id" uuid NOT NULL,
	"compensation" text NOT NULL,
	"service" text NOT NULL,
	"error" text NOT NULL,
	"failed_at" timestamp with time zone NOT NULL,
	CONSTRAINT "failed_compensations_order_id_compensation_pk" PRIMARY KEY("order_id","compensation")
);
--> statement-breakpoint
ALTER TABLE "orders"."orders" ADD COLUMN "deadline_at" timestamp with time zone;--> statement-breakpoint
-- Orders placed before deadlines existed get the default one (SAGA_DEADLINE_MS, 5 minutes).
UPDATE "orders"."orders" SET "deadline_at" = "created_at" + interval '5 minutes';--> statement-breakpoint
ALTER TABLE "orders"."orders" ALTER COLUMN "deadline_at" SET NOT NULL;--> statement-breakpoint
CREATE INDEX "orders_pending_by_deadline" ON "orders"."orders" USING btree ("deadline_at") WHERE "orders"."orders"."status" = 'pending';