CREATE TABLE "orders"."promotion_redemptions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"promotion_id" uuid NOT NULL,
	"order_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"amount" numeric(10, 2) NOT NULL,
	"created_at" timestamp DEFAULT now() NOT NULL,
	"released_at" timestamp,
	CONSTRAINT "chk_promotion_redemptions_amount" CHECK ("orders"."promotion_redemptions"."amount" >= 0)
);
--> statement-breakpoint
CREATE TABLE "orders"."promotions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"code" varchar(50) NOT NULL,
	"description" varchar(255),
	"kind" varchar(20) NOT NULL,
	"value" integer NOT NULL,
	"currency" varchar(3) NOT NULL,
	"starts_at" timestamp with time zone,
	"ends_at" timestamp with time zone,
	"min_subtotal_minor" integer,
	"product_ids" text[],
	"category_ids" text[],
	"usage_limit" integer,
	"per_customer_limit" integer,
	"times_used" integer DEFAULT 0 NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"version" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp DEFAULT now() NOT NULL,
	"updated_at" timestamp DEFAULT now() NOT NULL,
	CONSTRAINT "chk_promotions_kind" CHECK ("orders"."promotions"."kind" IN ('PERCENT', 'FIXED_AMOUNT', 'FREE_SHIPPING')),
	CONSTRAINT "chk_promotions_value" CHECK (("orders"."promotions"."kind" = 'PERCENT' AND "orders"."promotions"."value" BETWEEN 1 AND 10000) OR ("orders"."promotions"."kind" = 'FIXED_AMOUNT' AND "orders"."promotions"."value" > 0) OR ("orders"."promotions"."kind" = 'FREE_SHIPPING' AND "orders"."promotions"."value" = 0)),
	CONSTRAINT "chk_promotions_window" CHECK ("orders"."promotions"."starts_at" IS NULL OR "orders"."promotions"."ends_at" IS NULL OR "orders"."promotions"."starts_at" < "orders"."promotions"."ends_at"),
	CONSTRAINT "chk_promotions_min_subtotal" CHECK ("orders"."promotions"."min_subtotal_minor" IS NULL OR "orders"."promotions"."min_subtotal_minor" >= 0),
	CONSTRAINT "chk_promotions_limits" CHECK (("orders"."promotions"."usage_limit" IS NULL OR "orders"."promotions"."usage_limit" > 0) AND ("orders"."promotions"."per_customer_limit" IS NULL OR "orders"."promotions"."per_customer_limit" > 0)),
	CONSTRAINT "chk_promotions_times_used" CHECK ("orders"."promotions"."times_used" >= 0 AND ("orders"."promotions"."usage_limit" IS NULL OR "orders"."promotions"."times_used" <= "orders"."promotions"."usage_limit"))
);
--> statement-breakpoint
ALTER TABLE "orders"."promotion_redemptions" ADD CONSTRAINT "promotion_redemptions_promotion_id_promotions_id_fk" FOREIGN KEY ("promotion_id") REFERENCES "orders"."promotions"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "orders"."promotion_redemptions" ADD CONSTRAINT "promotion_redemptions_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "orders"."orders"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "uq_promotion_redemptions_order" ON "orders"."promotion_redemptions" USING btree ("order_id");--> statement-breakpoint
CREATE INDEX "idx_promotion_redemptions_promotion" ON "orders"."promotion_redemptions" USING btree ("promotion_id","created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "idx_promotion_redemptions_customer" ON "orders"."promotion_redemptions" USING btree ("promotion_id","user_id");--> statement-breakpoint
CREATE INDEX "idx_promotion_redemptions_tenant_id" ON "orders"."promotion_redemptions" USING btree ("tenant_id");--> statement-breakpoint
CREATE UNIQUE INDEX "uq_promotions_tenant_code" ON "orders"."promotions" USING btree ("tenant_id",lower("code"));--> statement-breakpoint
CREATE INDEX "idx_promotions_tenant_created" ON "orders"."promotions" USING btree ("tenant_id","created_at" DESC NULLS LAST,"id" DESC NULLS LAST);