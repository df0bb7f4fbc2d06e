-- Authenticates an API key in ONE statement (one round trip per API-key request):
-- sets the RLS tenant for the current transaction, stamps last_used_at, and returns
-- the key's owner with their current roles and permissions. SECURITY INVOKER: it runs
-- as the application role, under RLS, exactly like the equivalent queries would.
CREATE OR REPLACE FUNCTION auth.use_api_key(p_tenant uuid, p_key_hash text)
RETURNS TABLE (key_id uuid, user_id uuid, scopes text[], permissions text[], roles text[])
LANGUAGE plpgsql
SECURITY INVOKER
SET search_path = auth, pg_temp
AS $$
BEGIN
  PERFORM set_config('app.current_tenant', p_tenant::text, true);
  RETURN QUERY
  WITH k AS (
    UPDATE auth.api_keys AS ak
       SET last_used_at = now()
     WHERE ak.key_value = p_key_hash AND NOT ak.revoked AND ak.expires_at > now()
    RETURNING ak.id, ak.user_id, ak.scopes
  )
  SELECT k.id, k.user_id, k.scopes,
         array(SELECT DISTINCT p.name::text FROM auth.user_roles ur
                 JOIN auth.role_permissions rp ON rp.role_id = ur.role_id
                 JOIN auth.permissions p ON p.id = rp.permission_id
                WHERE ur.user_id = k.user_id ORDER BY 1),
         array(SELECT r.name::text FROM auth.user_roles ur
                 JOIN auth.roles r ON r.id = ur.role_id
                WHERE ur.user_id = k.user_id ORDER BY 1)
    FROM k JOIN auth.users u ON u.id = k.user_id
   WHERE u.status = 'ACTIVE' AND NOT u.account_locked AND u.deleted_at IS NULL;
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION auth.use_api_key(uuid, text) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION auth.use_api_key(uuid, text) TO ecommerce_app;
