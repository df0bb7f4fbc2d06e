CREATE TABLE "auth"."admin_audit_log" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"actor_user_id" uuid NOT NULL,
	"actor_tenant_id" uuid NOT NULL,
	"action" varchar(50) NOT NULL,
	"target_user_id" uuid,
	"request_id" varchar(64),
	"created_at" timestamp DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "auth"."admin_audit_log" ADD CONSTRAINT "admin_audit_log_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "auth"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "idx_admin_audit_log_tenant_created" ON "auth"."admin_audit_log" USING btree ("tenant_id","created_at");--> statement-breakpoint
-- Hand-written: tenant isolation (as in 0002_rls) and the app's privileges.
ALTER TABLE "auth"."admin_audit_log" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "auth"."admin_audit_log" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
DROP POLICY IF EXISTS tenant_isolation_policy ON "auth"."admin_audit_log";
--> statement-breakpoint
CREATE POLICY tenant_isolation_policy ON "auth"."admin_audit_log"
	AS PERMISSIVE FOR ALL TO PUBLIC
	USING (tenant_id = nullif(current_setting('app.current_tenant', true), '')::uuid)
	WITH CHECK (tenant_id = nullif(current_setting('app.current_tenant', true), '')::uuid);
--> statement-breakpoint
GRANT SELECT, INSERT ON "auth"."admin_audit_log" TO ecommerce_app;
--> statement-breakpoint
REVOKE UPDATE, DELETE ON "auth"."admin_audit_log" FROM ecommerce_app;
--> statement-breakpoint
GRANT SELECT ON "auth"."admin_audit_log" TO ecommerce_readonly;
