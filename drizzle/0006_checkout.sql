CREATE TABLE "payments"."refunds" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"payment_id" uuid NOT NULL,
	"amount" numeric(10, 2) NOT NULL,
	"reason" varchar(255),
	"status" varchar(20) DEFAULT 'PENDING' NOT NULL,
	"gateway_refund_id" varchar(255),
	"idempotency_key" varchar(255) NOT NULL,
	"request_fingerprint" varchar(64),
	"requested_by" uuid,
	"created_at" timestamp DEFAULT now() NOT NULL,
	"completed_at" timestamp,
	"tenant_id" uuid NOT NULL,
	CONSTRAINT "uq_refunds_tenant_idempotency" UNIQUE("tenant_id","idempotency_key"),
	CONSTRAINT "chk_refund_status" CHECK ("payments"."refunds"."status" IN ('PENDING', 'SUCCEEDED', 'FAILED')),
	CONSTRAINT "chk_refund_amount" CHECK ("payments"."refunds"."amount" > 0)
);
--> statement-breakpoint
CREATE TABLE "payments"."webhook_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"provider" varchar(50) NOT NULL,
	"event_id" varchar(255) NOT NULL,
	"event_type" varchar(100) NOT NULL,
	"payment_id" uuid,
	"payload" jsonb NOT NULL,
	"provider_created_at" timestamp,
	"received_at" timestamp DEFAULT now() NOT NULL,
	"tenant_id" uuid NOT NULL,
	CONSTRAINT "uq_webhook_events_provider_event" UNIQUE("provider","event_id")
);
--> statement-breakpoint
ALTER TABLE "orders"."orders" ADD COLUMN "idempotency_key" varchar(255);--> statement-breakpoint
ALTER TABLE "orders"."orders" ADD COLUMN "request_fingerprint" varchar(64);--> statement-breakpoint
ALTER TABLE "payments"."refunds" ADD CONSTRAINT "refunds_payment_id_payments_id_fk" FOREIGN KEY ("payment_id") REFERENCES "payments"."payments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "idx_refunds_payment_id" ON "payments"."refunds" USING btree ("payment_id");--> statement-breakpoint
CREATE INDEX "idx_refunds_tenant_id" ON "payments"."refunds" USING btree ("tenant_id");--> statement-breakpoint
CREATE INDEX "idx_webhook_events_tenant_id" ON "payments"."webhook_events" USING btree ("tenant_id");--> statement-breakpoint
CREATE UNIQUE INDEX "uq_orders_idempotency" ON "orders"."orders" USING btree ("tenant_id","user_id","idempotency_key");--> statement-breakpoint
CREATE INDEX "idx_orders_tenant_user_created" ON "orders"."orders" USING btree ("tenant_id","user_id","created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "idx_orders_tenant_created" ON "orders"."orders" USING btree ("tenant_id","created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE UNIQUE INDEX "uq_saga_executions_type_aggregate" ON "orders"."saga_executions" USING btree ("saga_type","aggregate_id");