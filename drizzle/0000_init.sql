CREATE SCHEMA "auth";
--> statement-breakpoint
CREATE SCHEMA "users";
--> statement-breakpoint
CREATE SCHEMA "orders";
--> statement-breakpoint
CREATE SCHEMA "payments";
--> statement-breakpoint
CREATE TABLE "auth"."api_keys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"key_value" varchar(255) NOT NULL,
	"name" varchar(100) NOT NULL,
	"user_id" uuid NOT NULL,
	"scopes" text[] DEFAULT '{}' NOT NULL,
	"revoked" boolean DEFAULT false NOT NULL,
	"last_used_at" timestamp,
	"expires_at" timestamp NOT NULL,
	"created_at" timestamp DEFAULT now() NOT NULL,
	"updated_at" timestamp DEFAULT now() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"key_prefix" varchar(16),
	CONSTRAINT "api_keys_key_value_unique" UNIQUE("key_value")
);
--> statement-breakpoint
CREATE TABLE "auth"."permissions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" varchar(100) NOT NULL,
	"resource" varchar(50) NOT NULL,
	"action" varchar(50) NOT NULL,
	"description" varchar(255),
	"created_at" timestamp DEFAULT now() NOT NULL,
	CONSTRAINT "permissions_name_unique" UNIQUE("name"),
	CONSTRAINT "chk_action" CHECK ("auth"."permissions"."action" IN ('CREATE', 'READ', 'UPDATE', 'DELETE'))
);
--> statement-breakpoint
CREATE TABLE "auth"."refresh_tokens" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"token" varchar(500) NOT NULL,
	"user_id" uuid NOT NULL,
	"expires_at" timestamp NOT NULL,
	"revoked" boolean DEFAULT false NOT NULL,
	"created_at" timestamp DEFAULT now() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"family_id" uuid NOT NULL,
	"replaced_by" uuid,
	"revoked_at" timestamp,
	CONSTRAINT "refresh_tokens_token_unique" UNIQUE("token"),
	CONSTRAINT "chk_expiry" CHECK ("auth"."refresh_tokens"."expires_at" > "auth"."refresh_tokens"."created_at")
);
--> statement-breakpoint
CREATE TABLE "auth"."role_permissions" (
	"role_id" uuid NOT NULL,
	"permission_id" uuid NOT NULL,
	CONSTRAINT "role_permissions_role_id_permission_id_pk" PRIMARY KEY("role_id","permission_id")
);
--> statement-breakpoint
CREATE TABLE "auth"."roles" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" varchar(50) NOT NULL,
	"description" varchar(255),
	"created_at" timestamp DEFAULT now() NOT NULL,
	CONSTRAINT "roles_name_unique" UNIQUE("name"),
	CONSTRAINT "chk_role_name" CHECK ("auth"."roles"."name" IN ('ADMIN', 'USER', 'MANAGER', 'SUPPORT'))
);
--> statement-breakpoint
CREATE TABLE "auth"."tenants" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" varchar(100) NOT NULL,
	"domain" varchar(255),
	"status" varchar(20) DEFAULT 'ACTIVE' NOT NULL,
	"plan" varchar(50) DEFAULT 'FREE' NOT NULL,
	"max_users" integer DEFAULT 10 NOT NULL,
	"created_at" timestamp DEFAULT now() NOT NULL,
	"updated_at" timestamp DEFAULT now() NOT NULL,
	CONSTRAINT "tenants_name_unique" UNIQUE("name"),
	CONSTRAINT "tenants_domain_unique" UNIQUE("domain"),
	CONSTRAINT "chk_status" CHECK ("auth"."tenants"."status" IN ('ACTIVE', 'SUSPENDED', 'DELETED')),
	CONSTRAINT "chk_plan" CHECK ("auth"."tenants"."plan" IN ('FREE', 'BASIC', 'PRO', 'ENTERPRISE'))
);
--> statement-breakpoint
CREATE TABLE "auth"."user_roles" (
	"user_id" uuid NOT NULL,
	"role_id" uuid NOT NULL,
	"assigned_at" timestamp DEFAULT now() NOT NULL,
	"tenant_id" uuid NOT NULL,
	CONSTRAINT "user_roles_user_id_role_id_pk" PRIMARY KEY("user_id","role_id")
);
--> statement-breakpoint
CREATE TABLE "auth"."users" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"email" varchar(255) NOT NULL,
	"username" varchar(100) NOT NULL,
	"password_hash" varchar(255) NOT NULL,
	"first_name" varchar(100),
	"last_name" varchar(100),
	"auth_provider" varchar(50) DEFAULT 'LOCAL' NOT NULL,
	"provider_id" varchar(255),
	"status" varchar(20) DEFAULT 'ACTIVE' NOT NULL,
	"email_verified" boolean DEFAULT false NOT NULL,
	"account_locked" boolean DEFAULT false NOT NULL,
	"failed_login_attempts" integer DEFAULT 0 NOT NULL,
	"last_login_at" timestamp,
	"tfa_enabled" boolean DEFAULT false NOT NULL,
	"tfa_secret" varchar(255),
	"tenant_id" uuid NOT NULL,
	"created_at" timestamp DEFAULT now() NOT NULL,
	"updated_at" timestamp DEFAULT now() NOT NULL,
	"deleted_at" timestamp,
	CONSTRAINT "users_email_unique" UNIQUE("email"),
	CONSTRAINT "users_username_unique" UNIQUE("username"),
	CONSTRAINT "chk_auth_provider" CHECK ("auth"."users"."auth_provider" IN ('LOCAL', 'GOOGLE', 'GITHUB', 'FACEBOOK')),
	CONSTRAINT "chk_status" CHECK ("auth"."users"."status" IN ('ACTIVE', 'INACTIVE', 'SUSPENDED', 'DELETED'))
);
--> statement-breakpoint
CREATE TABLE "users"."addresses" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_profile_id" uuid NOT NULL,
	"type" varchar(20) NOT NULL,
	"street" varchar(255) NOT NULL,
	"apartment" varchar(100),
	"city" varchar(100) NOT NULL,
	"state" varchar(100) NOT NULL,
	"zip_code" varchar(20) NOT NULL,
	"country" varchar(100) NOT NULL,
	"is_default" boolean DEFAULT false NOT NULL,
	"created_at" timestamp DEFAULT now() NOT NULL,
	"updated_at" timestamp DEFAULT now() NOT NULL,
	"tenant_id" uuid NOT NULL,
	CONSTRAINT "chk_type" CHECK ("users"."addresses"."type" IN ('SHIPPING', 'BILLING', 'BOTH'))
);
--> statement-breakpoint
CREATE TABLE "users"."user_preferences" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_profile_id" uuid NOT NULL,
	"email_notifications" boolean DEFAULT true NOT NULL,
	"sms_notifications" boolean DEFAULT false NOT NULL,
	"push_notifications" boolean DEFAULT true NOT NULL,
	"newsletter_subscribed" boolean DEFAULT false NOT NULL,
	"marketing_emails" boolean DEFAULT false NOT NULL,
	"language" varchar(10) DEFAULT 'en' NOT NULL,
	"currency" varchar(3) DEFAULT 'USD' NOT NULL,
	"timezone" varchar(50) DEFAULT 'UTC' NOT NULL,
	"created_at" timestamp DEFAULT now() NOT NULL,
	"updated_at" timestamp DEFAULT now() NOT NULL,
	"tenant_id" uuid NOT NULL,
	CONSTRAINT "user_preferences_user_profile_id_unique" UNIQUE("user_profile_id")
);
--> statement-breakpoint
CREATE TABLE "users"."user_profiles" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"email" varchar(255) NOT NULL,
	"first_name" varchar(100),
	"last_name" varchar(100),
	"phone" varchar(20),
	"date_of_birth" date,
	"gender" varchar(20),
	"avatar_url" varchar(500),
	"bio" text,
	"created_at" timestamp DEFAULT now() NOT NULL,
	"updated_at" timestamp DEFAULT now() NOT NULL,
	"deleted_at" timestamp,
	"tenant_id" uuid NOT NULL,
	CONSTRAINT "user_profiles_user_id_unique" UNIQUE("user_id"),
	CONSTRAINT "chk_gender" CHECK ("users"."user_profiles"."gender" IN ('MALE', 'FEMALE', 'OTHER', 'PREFER_NOT_TO_SAY'))
);
--> statement-breakpoint
CREATE TABLE "orders"."order_items" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"order_id" uuid NOT NULL,
	"product_id" uuid NOT NULL,
	"product_name" varchar(255) NOT NULL,
	"product_sku" varchar(100),
	"quantity" integer NOT NULL,
	"unit_price" numeric(10, 2) NOT NULL,
	"total_price" numeric(10, 2) NOT NULL,
	"created_at" timestamp DEFAULT now() NOT NULL,
	"tenant_id" uuid NOT NULL,
	CONSTRAINT "chk_quantity" CHECK ("orders"."order_items"."quantity" > 0),
	CONSTRAINT "chk_unit_price" CHECK ("orders"."order_items"."unit_price" >= 0)
);
--> statement-breakpoint
CREATE TABLE "orders"."orders" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"order_number" varchar(50) NOT NULL,
	"user_id" uuid NOT NULL,
	"status" varchar(20) DEFAULT 'PENDING' NOT NULL,
	"payment_status" varchar(20) DEFAULT 'PENDING' NOT NULL,
	"payment_method" varchar(50),
	"subtotal" numeric(10, 2) NOT NULL,
	"tax" numeric(10, 2) DEFAULT 0 NOT NULL,
	"shipping" numeric(10, 2) DEFAULT 0 NOT NULL,
	"discount" numeric(10, 2) DEFAULT 0 NOT NULL,
	"total" numeric(10, 2) NOT NULL,
	"currency" varchar(3) DEFAULT 'USD' NOT NULL,
	"shipping_street" varchar(255),
	"shipping_city" varchar(100),
	"shipping_state" varchar(100),
	"shipping_zip_code" varchar(20),
	"shipping_country" varchar(100),
	"created_at" timestamp DEFAULT now() NOT NULL,
	"updated_at" timestamp DEFAULT now() NOT NULL,
	"completed_at" timestamp,
	"cancelled_at" timestamp,
	"version" integer DEFAULT 0 NOT NULL,
	"tenant_id" uuid NOT NULL,
	CONSTRAINT "orders_order_number_unique" UNIQUE("order_number"),
	CONSTRAINT "chk_status" CHECK ("orders"."orders"."status" IN ('PENDING', 'CONFIRMED', 'PROCESSING', 'SHIPPED', 'DELIVERED', 'CANCELLED')),
	CONSTRAINT "chk_payment_status" CHECK ("orders"."orders"."payment_status" IN ('PENDING', 'COMPLETED', 'FAILED', 'REFUNDED'))
);
--> statement-breakpoint
CREATE TABLE "orders"."saga_executions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"saga_type" varchar(100) NOT NULL,
	"aggregate_id" uuid NOT NULL,
	"status" varchar(20) DEFAULT 'STARTED' NOT NULL,
	"current_step" integer DEFAULT 0 NOT NULL,
	"total_steps" integer NOT NULL,
	"context" jsonb NOT NULL,
	"error_message" text,
	"retry_count" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp DEFAULT now() NOT NULL,
	"updated_at" timestamp DEFAULT now() NOT NULL,
	"completed_at" timestamp,
	"tenant_id" uuid NOT NULL,
	CONSTRAINT "chk_status" CHECK ("orders"."saga_executions"."status" IN ('STARTED', 'IN_PROGRESS', 'COMPLETED', 'FAILED', 'COMPENSATING', 'COMPENSATED'))
);
--> statement-breakpoint
CREATE TABLE "payments"."payments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"order_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"amount" numeric(10, 2) NOT NULL,
	"currency" varchar(3) DEFAULT 'USD' NOT NULL,
	"payment_method" varchar(50) NOT NULL,
	"payment_provider" varchar(50) NOT NULL,
	"transaction_type" varchar(20) NOT NULL,
	"status" varchar(20) DEFAULT 'PENDING' NOT NULL,
	"gateway_transaction_id" varchar(255),
	"gateway_response" text,
	"idempotency_key" varchar(255),
	"error_code" varchar(50),
	"error_message" text,
	"retry_count" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp DEFAULT now() NOT NULL,
	"updated_at" timestamp DEFAULT now() NOT NULL,
	"completed_at" timestamp,
	"tenant_id" uuid NOT NULL,
	CONSTRAINT "payments_order_id_unique" UNIQUE("order_id"),
	CONSTRAINT "payments_idempotency_key_unique" UNIQUE("idempotency_key"),
	CONSTRAINT "chk_transaction_type" CHECK ("payments"."payments"."transaction_type" IN ('CHARGE', 'REFUND', 'AUTHORIZATION', 'CAPTURE')),
	CONSTRAINT "chk_status" CHECK ("payments"."payments"."status" IN ('PENDING', 'COMPLETED', 'FAILED', 'REFUNDED', 'CANCELLED')),
	CONSTRAINT "chk_amount" CHECK ("payments"."payments"."amount" > 0)
);
--> statement-breakpoint
ALTER TABLE "auth"."api_keys" ADD CONSTRAINT "api_keys_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "auth"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "auth"."api_keys" ADD CONSTRAINT "api_keys_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "auth"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "auth"."refresh_tokens" ADD CONSTRAINT "refresh_tokens_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "auth"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "auth"."refresh_tokens" ADD CONSTRAINT "refresh_tokens_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "auth"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "auth"."role_permissions" ADD CONSTRAINT "role_permissions_role_id_roles_id_fk" FOREIGN KEY ("role_id") REFERENCES "auth"."roles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "auth"."role_permissions" ADD CONSTRAINT "role_permissions_permission_id_permissions_id_fk" FOREIGN KEY ("permission_id") REFERENCES "auth"."permissions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "auth"."user_roles" ADD CONSTRAINT "user_roles_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "auth"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "auth"."user_roles" ADD CONSTRAINT "user_roles_role_id_roles_id_fk" FOREIGN KEY ("role_id") REFERENCES "auth"."roles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "auth"."user_roles" ADD CONSTRAINT "user_roles_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "auth"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "auth"."users" ADD CONSTRAINT "users_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "auth"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "users"."addresses" ADD CONSTRAINT "addresses_user_profile_id_user_profiles_id_fk" FOREIGN KEY ("user_profile_id") REFERENCES "users"."user_profiles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "users"."user_preferences" ADD CONSTRAINT "user_preferences_user_profile_id_user_profiles_id_fk" FOREIGN KEY ("user_profile_id") REFERENCES "users"."user_profiles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "orders"."order_items" ADD CONSTRAINT "order_items_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "orders"."orders"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "idx_api_keys_key_value" ON "auth"."api_keys" USING btree ("key_value");--> statement-breakpoint
CREATE INDEX "idx_api_keys_user_id" ON "auth"."api_keys" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "idx_api_keys_tenant_id" ON "auth"."api_keys" USING btree ("tenant_id");--> statement-breakpoint
CREATE INDEX "idx_api_keys_key_prefix" ON "auth"."api_keys" USING btree ("key_prefix");--> statement-breakpoint
CREATE INDEX "idx_refresh_tokens_token" ON "auth"."refresh_tokens" USING btree ("token");--> statement-breakpoint
CREATE INDEX "idx_refresh_tokens_user_id" ON "auth"."refresh_tokens" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "idx_refresh_tokens_tenant_id" ON "auth"."refresh_tokens" USING btree ("tenant_id");--> statement-breakpoint
CREATE INDEX "idx_refresh_tokens_family_id" ON "auth"."refresh_tokens" USING btree ("family_id");--> statement-breakpoint
CREATE INDEX "idx_user_roles_user_id" ON "auth"."user_roles" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "idx_user_roles_role_id" ON "auth"."user_roles" USING btree ("role_id");--> statement-breakpoint
CREATE INDEX "idx_user_roles_tenant_id" ON "auth"."user_roles" USING btree ("tenant_id");--> statement-breakpoint
CREATE INDEX "idx_users_email" ON "auth"."users" USING btree ("email");--> statement-breakpoint
CREATE INDEX "idx_users_username" ON "auth"."users" USING btree ("username");--> statement-breakpoint
CREATE INDEX "idx_users_tenant_id" ON "auth"."users" USING btree ("tenant_id");--> statement-breakpoint
CREATE INDEX "idx_users_provider_id" ON "auth"."users" USING btree ("auth_provider","provider_id");--> statement-breakpoint
CREATE UNIQUE INDEX "uq_users_email_lower" ON "auth"."users" USING btree (lower("email"));--> statement-breakpoint
CREATE UNIQUE INDEX "uq_users_username_lower" ON "auth"."users" USING btree (lower("username"));--> statement-breakpoint
CREATE INDEX "idx_addresses_user_profile_id" ON "users"."addresses" USING btree ("user_profile_id");--> statement-breakpoint
CREATE INDEX "idx_addresses_tenant_id" ON "users"."addresses" USING btree ("tenant_id");--> statement-breakpoint
CREATE UNIQUE INDEX "uq_addresses_one_default_per_type" ON "users"."addresses" USING btree ("user_profile_id","type") WHERE "users"."addresses"."is_default";--> statement-breakpoint
CREATE INDEX "idx_user_preferences_tenant_id" ON "users"."user_preferences" USING btree ("tenant_id");--> statement-breakpoint
CREATE INDEX "idx_user_profiles_user_id" ON "users"."user_profiles" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "idx_user_profiles_email" ON "users"."user_profiles" USING btree ("email");--> statement-breakpoint
CREATE INDEX "idx_user_profiles_tenant_id" ON "users"."user_profiles" USING btree ("tenant_id");--> statement-breakpoint
CREATE INDEX "idx_order_items_order_id" ON "orders"."order_items" USING btree ("order_id");--> statement-breakpoint
CREATE INDEX "idx_order_items_product_id" ON "orders"."order_items" USING btree ("product_id");--> statement-breakpoint
CREATE INDEX "idx_order_items_tenant_id" ON "orders"."order_items" USING btree ("tenant_id");--> statement-breakpoint
CREATE INDEX "idx_orders_user_id" ON "orders"."orders" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "idx_orders_order_number" ON "orders"."orders" USING btree ("order_number");--> statement-breakpoint
CREATE INDEX "idx_orders_status" ON "orders"."orders" USING btree ("status");--> statement-breakpoint
CREATE INDEX "idx_orders_created_at" ON "orders"."orders" USING btree ("created_at" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "idx_orders_tenant_id" ON "orders"."orders" USING btree ("tenant_id");--> statement-breakpoint
CREATE INDEX "idx_saga_executions_aggregate_id" ON "orders"."saga_executions" USING btree ("aggregate_id");--> statement-breakpoint
CREATE INDEX "idx_saga_executions_status" ON "orders"."saga_executions" USING btree ("status");--> statement-breakpoint
CREATE INDEX "idx_saga_executions_tenant_id" ON "orders"."saga_executions" USING btree ("tenant_id");--> statement-breakpoint
CREATE INDEX "idx_payments_order_id" ON "payments"."payments" USING btree ("order_id");--> statement-breakpoint
CREATE INDEX "idx_payments_user_id" ON "payments"."payments" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "idx_payments_status" ON "payments"."payments" USING btree ("status");--> statement-breakpoint
CREATE INDEX "idx_payments_idempotency_key" ON "payments"."payments" USING btree ("idempotency_key");--> statement-breakpoint
CREATE INDEX "idx_payments_tenant_id" ON "payments"."payments" USING btree ("tenant_id");