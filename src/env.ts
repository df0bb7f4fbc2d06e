import type { OrderSaga } from './durable/order-saga.ts';
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
  /** Failed logins in a row that lock an account. */
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
  /** base64 32-byte AES key sealing payments.gateway_response (secret). */
  PAYMENTS_ENCRYPTION_KEY: string;

  ORDER_SAGA: DurableObjectNamespace<OrderSaga>;
  NOTIFICATIONS_QUEUE: Queue<NotificationMessage>;
  RATING_UPDATES_QUEUE: Queue<RatingUpdateMessage>;
}
