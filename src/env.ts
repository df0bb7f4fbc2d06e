import type { CartBinding, NotificationFeedBinding, OrderSagaBinding } from './bindings.ts';
import type { NotificationMessage } from './queues/notification-messages.ts';
import type { RatingUpdateMessage } from './queues/rating-update-messages.ts';

/** Bindings and configuration of the Worker (wrangler.toml vars + secrets). */
export interface Env {
  ENVIRONMENT: string;
  LOG_LEVEL: string;
  MAX_BODY_BYTES: string;
  CORS_ORIGINS: string;
  STORE_TIMEOUT_MS: string;

  /** PostgreSQL connection string of the application role (secret). */
  DATABASE_URL: string;
  AUTH_DATABASE_URL?: string;
  USERS_DATABASE_URL?: string;
  ORDERS_DATABASE_URL?: string;
  PAYMENTS_DATABASE_URL?: string;
  /** host:port of a WebSocket-to-TCP proxy; only for local PostgreSQL. */
  PG_WS_PROXY?: string;
  /**
   * Local only: the HTTP SQL endpoint (`http://HOST:PORT/sql`, scripts/lib/pg-http.ts) that speaks
   * Neon's HTTP protocol for reads (src/db/pg/http.ts). Against Neon it stays unset (the driver
   * derives `https://api.<host>/sql`); against another PostgreSQL without it, reads use the WebSocket.
   */
  PG_HTTP_ENDPOINT?: string;

  MONGO_DATA_API_URL: string;
  MONGO_DATA_API_KEY: string;
  MONGO_DATA_SOURCE: string;
  MONGO_DATABASE: string;

  /** JWK set of private signing keys; the first one signs (secret). */
  JWT_SIGNING_KEYS: string;
  JWT_ISSUER: string;
  JWT_AUDIENCE: string;
  ACCESS_TOKEN_TTL_SECONDS: string;
  REFRESH_TOKEN_TTL_DAYS: string;
  /** Failed sign-ins in a row that pause sign-in with growing delays (services/auth/lockout.ts). */
  MAX_FAILED_LOGINS: string;
  /** base64 32-byte AES key for TOTP secrets at rest (secret). */
  TOTP_ENCRYPTION_KEY: string;
  TOTP_ISSUER: string;
  /** The tenant whose ADMINs administer all tenants. */
  PLATFORM_TENANT_ID: string;
  /** JSON: { "google": { "issuer", "jwksUrl", "audience" }, ... } for social sign-in. */
  OAUTH_PROVIDERS?: string;

  // Checkout (orders and the saga). Money as decimal strings, the tax rate in basis points.
  ORDER_TAX_RATE_BPS?: string;
  ORDER_SHIPPING_FLAT?: string;
  ORDER_FREE_SHIPPING_FROM?: string;
  /** Seconds after which a saga that has not finished compensates. */
  ORDER_SAGA_DEADLINE_SECONDS?: string;
  /** Attempts per saga step before a transient failure counts as permanent. */
  ORDER_SAGA_MAX_ATTEMPTS?: string;
  /** Milliseconds of the first retry delay (doubles each attempt, with jitter). */
  ORDER_SAGA_RETRY_BASE_MS?: string;
  /** Milliseconds a saga step (or mirror) may take before it counts as a transient failure. */
  ORDER_SAGA_STEP_TIMEOUT_MS?: string;
  /** Attempts of a compensation (undo) before the saga ends COMPENSATION_FAILED (default 10). */
  ORDER_SAGA_UNDO_MAX_ATTEMPTS?: string;
  /** Seconds after which an order whose saga never started is cancelled by the sweeper (default 120). */
  ORDER_SAGA_START_GRACE_SECONDS?: string;
  /** Seconds RESERVE_STOCK waits for units held by orders still in checkout (default 120). */
  ORDER_SAGA_STOCK_WAIT_SECONDS?: string;
  /**
   * Region where each order's saga object is created (a Durable Object location hint: wnam, enam,
   * sam, weur, eeur, apac, oc, afr, me), the one nearest PostgreSQL and MongoDB: the saga's round
   * trips to the stores stay in that region (docs/performance.md). Unset or `none`: near the Worker
   * that placed the order.
   */
  ORDER_SAGA_LOCATION_HINT?: string;
  /** Days of inactivity after which a cart is deleted by its alarm (default 30). */
  CART_EXPIRY_DAYS?: string;
  /** base64 32-byte AES key sealing payments.gateway_response (secret). */
  PAYMENTS_ENCRYPTION_KEY: string;

  /** Notification channels (all optional: an unconfigured channel is recorded SKIPPED, reason not-configured). */
  /** Cloudflare Email Service (`[[send_email]] name = "EMAIL"`) and the sender address. */
  EMAIL?: SendEmail;
  EMAIL_FROM?: string;
  EMAIL_FROM_NAME?: string;
  /** SMS provider with Twilio's Messages API shape: base URL, account SID, auth token (secret), sender number. */
  SMS_API_BASE_URL?: string;
  SMS_ACCOUNT_SID?: string;
  SMS_AUTH_TOKEN?: string;
  SMS_FROM?: string;
  /** Web Push VAPID key pair (base64url uncompressed public key, base64url private scalar; secret) and contact. */
  VAPID_PUBLIC_KEY?: string;
  VAPID_PRIVATE_KEY?: string;
  VAPID_SUBJECT?: string;
  /** Not in production: "true" admits loopback push endpoints (http too), or a comma list of admitted origins (local push services). */
  PUSH_ALLOW_HTTP?: string;

  /** Attempts per client per route on the sign-in and secret-checking routes (src/middleware/rate-limit.ts). */
  AUTH_CLIENT_LIMITER: RateLimit;
  /** Attempts per account per route on the same routes. */
  AUTH_ACCOUNT_LIMITER: RateLimit;
  /** Edge cache of anonymous catalog reads: "on" (default) or "off". */
  EDGE_CACHE?: string;
  /** Seconds a cached catalog read is fresh (default 60). */
  EDGE_CACHE_S_MAXAGE?: string;
  /** Seconds after that it is still served while being refilled (default 30). */
  EDGE_CACHE_STALE_WHILE_REVALIDATE?: string;
  /** `x-edge-cache-bypass: <token>` skips the cache (benchmarks); unset: nobody can (secret). */
  EDGE_CACHE_BYPASS_TOKEN?: string;
  /** Milliseconds a purge made elsewhere may take to reach this isolate's memo of hot entries (default 1000; 0: no memo). */
  EDGE_CACHE_MEMO_MS?: string;
  /** Cloudflare zone id and API token (Zone > Cache Purge) for the global purge by tag (secrets). */
  CF_ZONE_ID?: string;
  CF_API_TOKEN?: string;
  /** Another base URL for Cloudflare's API (tests, proxies). */
  CF_API_BASE_URL?: string;

  ORDER_SAGA: DurableObjectNamespace<OrderSagaBinding>;
  /** One object per cart and one per user's cart directory (src/durable/cart.ts). */
  CART: DurableObjectNamespace<CartBinding>;
  NOTIFICATION_FEED: DurableObjectNamespace<NotificationFeedBinding>;
  NOTIFICATIONS_QUEUE: Queue<NotificationMessage>;
  RATING_UPDATES_QUEUE: Queue<RatingUpdateMessage>;

  // ---- Payment providers (src/services/payments/providers/index.ts) ----
  /** `test` (default) or `stripe`: the provider of new payments. */
  PAYMENT_PROVIDER?: string;
  /** Stripe secret API key, `sk_...` (secret). */
  STRIPE_SECRET_KEY?: string;
  /** Stripe REST base URL; default https://api.stripe.com (stripe-mock in tests). */
  STRIPE_API_BASE?: string;
  /** Endpoint secret of the Stripe webhook, `whsec_...` (secret). */
  STRIPE_WEBHOOK_SECRET?: string;
  /** Secret of the test provider's `Test-Signature` webhooks (secret; generated by the local stack). */
  PAYMENTS_TEST_WEBHOOK_SECRET?: string;
  /** Per-call timeout of HTTP payment providers, ms (default 10000). */
  PAYMENT_PROVIDER_TIMEOUT_MS?: string;
  /** How long the test provider's `pm_test_timeout` hangs before timing out, ms (default 2000). */
  PAYMENTS_TEST_TIMEOUT_MS?: string;
  // ---- end payment providers ----
  /** Tests and benchmarks only: `true` adds `x-round-trips` to every response (never in production). */
  TEST_ROUND_TRIPS_HEADER?: string;
}
