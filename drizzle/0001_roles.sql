-- Hand-written (drizzle-kit cannot express roles/grants).
--
-- Group roles (NOLOGIN). Login roles are created per environment outside the repo
-- (scripts/lib/pg-migrate.ts `appUser`, or the Neon console) and granted one of:
--   ecommerce_app       read/write on the 4 service schemas, subject to RLS (NOBYPASSRLS)
--   ecommerce_readonly  read-only (replicas, reporting), also subject to RLS
-- Neither gets TRUNCATE, REFERENCES or TRIGGER: TRUNCATE ignores row-level security.
--
-- Roles are cluster-wide while this migration runs once per database: creation is
-- guarded, and a concurrent creation from another database of the same cluster
-- (parallel test workers) is tolerated. An existing role that is SUPERUSER or
-- BYPASSRLS would silently defeat RLS, so that aborts the migration.
DO $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'ecommerce_app') THEN
		BEGIN
			CREATE ROLE ecommerce_app NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
		EXCEPTION WHEN duplicate_object OR unique_violation THEN
			NULL; -- created concurrently by a migration of another database
		END;
	END IF;
	IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'ecommerce_app' AND (rolsuper OR rolbypassrls)) THEN
		RAISE EXCEPTION 'role ecommerce_app exists with SUPERUSER or BYPASSRLS: RLS would not apply to it';
	END IF;
END
$$;
--> statement-breakpoint
DO $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'ecommerce_readonly') THEN
		BEGIN
			CREATE ROLE ecommerce_readonly NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
		EXCEPTION WHEN duplicate_object OR unique_violation THEN
			NULL;
		END;
	END IF;
	IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'ecommerce_readonly' AND (rolsuper OR rolbypassrls)) THEN
		RAISE EXCEPTION 'role ecommerce_readonly exists with SUPERUSER or BYPASSRLS: RLS would not apply to it';
	END IF;
END
$$;
--> statement-breakpoint
GRANT USAGE ON SCHEMA "auth", "users", "orders", "payments" TO ecommerce_app, ecommerce_readonly;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "auth", "users", "orders", "payments" TO ecommerce_app;
--> statement-breakpoint
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "auth", "users", "orders", "payments" TO ecommerce_app;
--> statement-breakpoint
GRANT SELECT ON ALL TABLES IN SCHEMA "auth", "users", "orders", "payments" TO ecommerce_readonly;
--> statement-breakpoint
-- Tables/sequences created later BY THE ROLE RUNNING MIGRATIONS get the same grants.
ALTER DEFAULT PRIVILEGES IN SCHEMA "auth", "users", "orders", "payments" GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ecommerce_app;
--> statement-breakpoint
ALTER DEFAULT PRIVILEGES IN SCHEMA "auth", "users", "orders", "payments" GRANT USAGE, SELECT ON SEQUENCES TO ecommerce_app;
--> statement-breakpoint
ALTER DEFAULT PRIVILEGES IN SCHEMA "auth", "users", "orders", "payments" GRANT SELECT ON TABLES TO ecommerce_readonly;
