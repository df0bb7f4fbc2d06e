-- Hand-written: row-level security, grants and the order-number sequence for the
-- checkout tables added in 0006 (payments.refunds, payments.webhook_events).
-- Same policy as 0002_rls.sql: an unset tenant sees and writes nothing.

ALTER TABLE "payments"."refunds" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "payments"."refunds" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
DROP POLICY IF EXISTS tenant_isolation_policy ON "payments"."refunds";
--> statement-breakpoint
CREATE POLICY tenant_isolation_policy ON "payments"."refunds"
	AS PERMISSIVE FOR ALL TO PUBLIC
	USING (tenant_id = nullif(current_setting('app.current_tenant', true), '')::uuid)
	WITH CHECK (tenant_id = nullif(current_setting('app.current_tenant', true), '')::uuid);
--> statement-breakpoint
ALTER TABLE "payments"."webhook_events" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "payments"."webhook_events" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
DROP POLICY IF EXISTS tenant_isolation_policy ON "payments"."webhook_events";
--> statement-breakpoint
CREATE POLICY tenant_isolation_policy ON "payments"."webhook_events"
	AS PERMISSIVE FOR ALL TO PUBLIC
	USING (tenant_id = nullif(current_setting('app.current_tenant', true), '')::uuid)
	WITH CHECK (tenant_id = nullif(current_setting('app.current_tenant', true), '')::uuid);
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON "payments"."refunds", "payments"."webhook_events" TO ecommerce_app;
--> statement-breakpoint
GRANT SELECT ON "payments"."refunds", "payments"."webhook_events" TO ecommerce_readonly;
--> statement-breakpoint
-- Readable order numbers, ORD-<year>-<6+ digits>: one global sequence (order_number is
-- globally UNIQUE in the seed). Gaps are possible (rolled-back inserts), duplicates never.
CREATE SEQUENCE IF NOT EXISTS "orders"."order_number_seq" AS bigint START 1;
--> statement-breakpoint
GRANT USAGE, SELECT ON SEQUENCE "orders"."order_number_seq" TO ecommerce_app;
