-- Hand-written (drizzle-kit cannot express FORCE ROW LEVEL SECURITY).
--
-- Tenant isolation on auth.users and every tenant-owned table. The tenant is set per
-- transaction by the app:  SELECT set_config('app.current_tenant', '<uuid>', true)
-- When it is unset (NULL, or '' after a transaction that set it locally) the
-- predicate is NULL: nothing is visible and nothing can be written. No error.
--
-- FORCE makes the policy apply to the table owner too (normally exempt), so an app
-- that mistakenly connects as the owner is still isolated. Consequences for the
-- owner (the role that runs migrations):
--   * schema changes (ALTER/CREATE INDEX/...) are unaffected;
--   * data migrations on these tables must set app.current_tenant per tenant, or run
--     as a SUPERUSER/BYPASSRLS role (a superuser always bypasses RLS);
--   * foreign-key checks and ON DELETE CASCADE actions bypass RLS (by design in
--     PostgreSQL), so deleting a tenant still cascades to its rows.
-- Global tables (auth.tenants, auth.roles, auth.permissions, auth.role_permissions)
-- have no RLS; the RBAC seed rows (next migration) live there.
-- Re-runnable: ENABLE/FORCE are idempotent, policies are dropped and re-created.
ALTER TABLE "auth"."users" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "auth"."users" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
DROP POLICY IF EXISTS tenant_isolation_policy ON "auth"."users";
--> statement-breakpoint
CREATE POLICY tenant_isolation_policy ON "auth"."users"
	AS PERMISSIVE FOR ALL TO PUBLIC
	USING (tenant_id = nullif(current_setting('app.current_tenant', true), '')::uuid)
	WITH CHECK (tenant_id = nullif(current_setting('app.current_tenant', true), '')::uuid);
--> statement-breakpoint
ALTER TABLE "auth"."user_roles" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "auth"."user_roles" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
DROP POLICY IF EXISTS tenant_isolation_policy ON "auth"."user_roles";
--> statement-breakpoint
CREATE POLICY tenant_isolation_policy ON "auth"."user_roles"
	AS PERMISSIVE FOR ALL TO PUBLIC
	USING (tenant_id = nullif(current_setting('app.current_tenant', true), '')::uuid)
	WITH CHECK (tenant_id = nullif(current_setting('app.current_tenant', true), '')::uuid);
--> statement-breakpoint
ALTER TABLE "auth"."api_keys" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "auth"."api_keys" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
DROP POLICY IF EXISTS tenant_isolation_policy ON "auth"."api_keys";
--> statement-breakpoint
CREATE POLICY tenant_isolation_policy ON "auth"."api_keys"
	AS PERMISSIVE FOR ALL TO PUBLIC
	USING (tenant_id = nullif(current_setting('app.current_tenant', true), '')::uuid)
	WITH CHECK (tenant_id = nullif(current_setting('app.current_tenant', true), '')::uuid);
--> statement-breakpoint
ALTER TABLE "auth"."refresh_tokens" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "auth"."refresh_tokens" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
DROP POLICY IF EXISTS tenant_isolation_policy ON "auth"."refresh_tokens";
--> statement-breakpoint
CREATE POLICY tenant_isolation_policy ON "auth"."refresh_tokens"
	AS PERMISSIVE FOR ALL TO PUBLIC
	USING (tenant_id = nullif(current_setting('app.current_tenant', true), '')::uuid)
	WITH CHECK (tenant_id = nullif(current_setting('app.current_tenant', true), '')::uuid);
--> statement-breakpoint
ALTER TABLE "users"."user_profiles" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "users"."user_profiles" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
DROP POLICY IF EXISTS tenant_isolation_policy ON "users"."user_profiles";
--> statement-breakpoint
CREATE POLICY tenant_isolation_policy ON "users"."user_profiles"
	AS PERMISSIVE FOR ALL TO PUBLIC
	USING (tenant_id = nullif(current_setting('app.current_tenant', true), '')::uuid)
	WITH CHECK (tenant_id = nullif(current_setting('app.current_tenant', true), '')::uuid);
--> statement-breakpoint
ALTER TABLE "users"."addresses" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "users"."addresses" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
DROP POLICY IF EXISTS tenant_isolation_policy ON "users"."addresses";
--> statement-breakpoint
CREATE POLICY tenant_isolation_policy ON "users"."addresses"
	AS PERMISSIVE FOR ALL TO PUBLIC
	USING (tenant_id = nullif(current_setting('app.current_tenant', true), '')::uuid)
	WITH CHECK (tenant_id = nullif(current_setting('app.current_tenant', true), '')::uuid);
--> statement-breakpoint
ALTER TABLE "users"."user_preferences" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "users"."user_preferences" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
DROP POLICY IF EXISTS tenant_isolation_policy ON "users"."user_preferences";
--> statement-breakpoint
CREATE POLICY tenant_isolation_policy ON "users"."user_preferences"
	AS PERMISSIVE FOR ALL TO PUBLIC
	USING (tenant_id = nullif(current_setting('app.current_tenant', true), '')::uuid)
	WITH CHECK (tenant_id = nullif(current_setting('app.current_tenant', true), '')::uuid);
--> statement-breakpoint
ALTER TABLE "orders"."orders" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "orders"."orders" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
DROP POLICY IF EXISTS tenant_isolation_policy ON "orders"."orders";
--> statement-breakpoint
CREATE POLICY tenant_isolation_policy ON "orders"."orders"
	AS PERMISSIVE FOR ALL TO PUBLIC
	USING (tenant_id = nullif(current_setting('app.current_tenant', true), '')::uuid)
	WITH CHECK (tenant_id = nullif(current_setting('app.current_tenant', true), '')::uuid);
--> statement-breakpoint
ALTER TABLE "orders"."order_items" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "orders"."order_items" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
DROP POLICY IF EXISTS tenant_isolation_policy ON "orders"."order_items";
--> statement-breakpoint
CREATE POLICY tenant_isolation_policy ON "orders"."order_items"
	AS PERMISSIVE FOR ALL TO PUBLIC
	USING (tenant_id = nullif(current_setting('app.current_tenant', true), '')::uuid)
	WITH CHECK (tenant_id = nullif(current_setting('app.current_tenant', true), '')::uuid);
--> statement-breakpoint
ALTER TABLE "orders"."saga_executions" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "orders"."saga_executions" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
DROP POLICY IF EXISTS tenant_isolation_policy ON "orders"."saga_executions";
--> statement-breakpoint
CREATE POLICY tenant_isolation_policy ON "orders"."saga_executions"
	AS PERMISSIVE FOR ALL TO PUBLIC
	USING (tenant_id = nullif(current_setting('app.current_tenant', true), '')::uuid)
	WITH CHECK (tenant_id = nullif(current_setting('app.current_tenant', true), '')::uuid);
--> statement-breakpoint
ALTER TABLE "payments"."payments" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "payments"."payments" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
DROP POLICY IF EXISTS tenant_isolation_policy ON "payments"."payments";
--> statement-breakpoint
CREATE POLICY tenant_isolation_policy ON "payments"."payments"
	AS PERMISSIVE FOR ALL TO PUBLIC
	USING (tenant_id = nullif(current_setting('app.current_tenant', true), '')::uuid)
	WITH CHECK (tenant_id = nullif(current_setting('app.current_tenant', true), '')::uuid);
