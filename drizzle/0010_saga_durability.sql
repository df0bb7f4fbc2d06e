CREATE TABLE "orders"."saga_starts" (
	"order_id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"created_at" timestamp DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "orders"."saga_executions" DROP CONSTRAINT "chk_status";--> statement-breakpoint
ALTER TABLE "orders"."saga_starts" ADD CONSTRAINT "saga_starts_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "orders"."orders"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "idx_saga_starts_created_at" ON "orders"."saga_starts" USING btree ("created_at");--> statement-breakpoint
ALTER TABLE "orders"."saga_executions" ADD CONSTRAINT "chk_status" CHECK ("orders"."saga_executions"."status" IN ('STARTED', 'IN_PROGRESS', 'COMPLETED', 'FAILED', 'COMPENSATING', 'COMPENSATED', 'COMPENSATION_FAILED'));--> statement-breakpoint
-- Hand-written: saga_starts holds ids only and is read across tenants by the scheduled
-- sweeper, so it has no row-level security; the app may insert, read and delete rows.
GRANT SELECT, INSERT, DELETE ON "orders"."saga_starts" TO ecommerce_app;
--> statement-breakpoint
REVOKE UPDATE ON "orders"."saga_starts" FROM ecommerce_app;
--> statement-breakpoint
GRANT SELECT ON "orders"."saga_starts" TO ecommerce_readonly;
