-- Hand-written: row-level security and grants for the promotion tables added in 0012
-- (same policy as 0002_rls.sql: an unset tenant sees and writes nothing), and the
-- trigger that releases a redemption when its order is cancelled.

ALTER TABLE "orders"."promotions" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "orders"."promotions" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
DROP POLICY IF EXISTS tenant_isolation_policy ON "orders"."promotions";
--> statement-breakpoint
CREATE POLICY tenant_isolation_policy ON "orders"."promotions"
	AS PERMISSIVE FOR ALL TO PUBLIC
	USING (tenant_id = nullif(current_setting('app.current_tenant', true), '')::uuid)
	WITH CHECK (tenant_id = nullif(current_setting('app.current_tenant', true), '')::uuid);
--> statement-breakpoint
ALTER TABLE "orders"."promotion_redemptions" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "orders"."promotion_redemptions" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
DROP POLICY IF EXISTS tenant_isolation_policy ON "orders"."promotion_redemptions";
--> statement-breakpoint
CREATE POLICY tenant_isolation_policy ON "orders"."promotion_redemptions"
	AS PERMISSIVE FOR ALL TO PUBLIC
	USING (tenant_id = nullif(current_setting('app.current_tenant', true), '')::uuid)
	WITH CHECK (tenant_id = nullif(current_setting('app.current_tenant', true), '')::uuid);
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON "orders"."promotions", "orders"."promotion_redemptions" TO ecommerce_app;
--> statement-breakpoint
GRANT SELECT ON "orders"."promotions", "orders"."promotion_redemptions" TO ecommerce_readonly;
--> statement-breakpoint
-- A redemption stops counting when its order becomes CANCELLED (the saga compensated, or
-- an orphan was cancelled), in the SAME transaction that moves the order: no code path
-- that cancels an order can forget it. SECURITY INVOKER on purpose: it runs under the
-- mover's tenant (RLS), and the order's own tenant_id is named as well.
CREATE OR REPLACE FUNCTION "orders"."release_promotion_redemption"() RETURNS trigger
	LANGUAGE plpgsql AS $$
BEGIN
	WITH released AS (
		UPDATE "orders"."promotion_redemptions"
		   SET released_at = now()
		 WHERE order_id = NEW.id AND tenant_id = NEW.tenant_id AND released_at IS NULL
		RETURNING promotion_id
	)
	UPDATE "orders"."promotions" p
	   SET times_used = p.times_used - 1
	  FROM released r
	 WHERE p.id = r.promotion_id;
	RETURN NULL;
END;
$$;
--> statement-breakpoint
DROP TRIGGER IF EXISTS release_promotion_redemption ON "orders"."orders";
--> statement-breakpoint
CREATE TRIGGER release_promotion_redemption
	AFTER UPDATE OF status ON "orders"."orders"
	FOR EACH ROW
	WHEN (NEW.status = 'CANCELLED' AND OLD.status IS DISTINCT FROM 'CANCELLED')
	EXECUTE FUNCTION "orders"."release_promotion_redemption"();
--> statement-breakpoint
-- A redemption deleted while it still counted (its order deleted: ON DELETE CASCADE) gives its use back.
CREATE OR REPLACE FUNCTION "orders"."forget_promotion_redemption"() RETURNS trigger
	LANGUAGE plpgsql AS $$
BEGIN
	UPDATE "orders"."promotions" SET times_used = times_used - 1 WHERE id = OLD.promotion_id;
	RETURN NULL;
END;
$$;
--> statement-breakpoint
DROP TRIGGER IF EXISTS forget_promotion_redemption ON "orders"."promotion_redemptions";
--> statement-breakpoint
CREATE TRIGGER forget_promotion_redemption
	AFTER DELETE ON "orders"."promotion_redemptions"
	FOR EACH ROW
	WHEN (OLD.released_at IS NULL)
	EXECUTE FUNCTION "orders"."forget_promotion_redemption"();
