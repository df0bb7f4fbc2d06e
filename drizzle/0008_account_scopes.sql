-- Hand-written: permissions for the caller's own account data and reviews, so an API
-- key can be scoped to them (a key's scopes must be among its owner's permissions).
-- Every role holds all three: for user tokens nothing changes; a key without the
-- scope gets 403 on those routes (src/middleware/access.ts). Re-runnable.
INSERT INTO "auth"."permissions" ("name", "resource", "action", "description") VALUES
	('read:profile', 'USER', 'READ', 'Read your own profile, addresses and preferences'),
	('write:profile', 'USER', 'UPDATE', 'Change your own profile, addresses and preferences'),
	('write:reviews', 'REVIEW', 'CREATE', 'Write, edit, delete, vote on and report reviews')
ON CONFLICT ("name") DO NOTHING;
--> statement-breakpoint
INSERT INTO "auth"."role_permissions" ("role_id", "permission_id")
SELECT r."id", p."id"
FROM "auth"."roles" r
CROSS JOIN "auth"."permissions" p
WHERE r."name" IN ('ADMIN', 'USER', 'MANAGER', 'SUPPORT')
  AND p."name" IN ('read:profile', 'write:profile', 'write:reviews')
ON CONFLICT DO NOTHING;
