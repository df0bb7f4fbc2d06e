-- Hand-written: the seed's RBAC catalogue (global tables, no RLS). Re-runnable.
INSERT INTO "auth"."roles" ("name", "description") VALUES
	('ADMIN', 'Full system access'),
	('USER', 'Regular user access'),
	('MANAGER', 'Manager-level access'),
	('SUPPORT', 'Customer support access')
ON CONFLICT ("name") DO NOTHING;
--> statement-breakpoint
INSERT INTO "auth"."permissions" ("name", "resource", "action", "description") VALUES
	('read:products', 'PRODUCT', 'READ', 'Read product information'),
	('write:products', 'PRODUCT', 'CREATE', 'Create/update products'),
	('delete:products', 'PRODUCT', 'DELETE', 'Delete products'),
	('read:orders', 'ORDER', 'READ', 'Read order information'),
	('write:orders', 'ORDER', 'CREATE', 'Create orders')
ON CONFLICT ("name") DO NOTHING;
--> statement-breakpoint
-- ADMIN: everything. MANAGER: products read/write/delete + read:orders.
-- SUPPORT: read:products, read:orders. USER: read:products, read:orders, write:orders.
INSERT INTO "auth"."role_permissions" ("role_id", "permission_id")
SELECT r."id", p."id"
FROM (VALUES
	('ADMIN', 'read:products'), ('ADMIN', 'write:products'), ('ADMIN', 'delete:products'),
	('ADMIN', 'read:orders'), ('ADMIN', 'write:orders'),
	('MANAGER', 'read:products'), ('MANAGER', 'write:products'), ('MANAGER', 'delete:products'),
	('MANAGER', 'read:orders'),
	('SUPPORT', 'read:products'), ('SUPPORT', 'read:orders'),
	('USER', 'read:products'), ('USER', 'read:orders'), ('USER', 'write:orders')
) AS g("role_name", "permission_name")
JOIN "auth"."roles" r ON r."name" = g."role_name"
JOIN "auth"."permissions" p ON p."name" = g."permission_name"
ON CONFLICT DO NOTHING;
