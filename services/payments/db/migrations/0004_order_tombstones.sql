CREATE TABLE "payments"."closed_orders" (
	"order_id" uuid PRIMARY KEY NOT NULL,
	"closed_at" timestamp with time zone DEFAULT now() NOT NULL
);
