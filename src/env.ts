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

  ORDER_SAGA: DurableObjectNamespace<OrderSaga>;
  NOTIFICATIONS_QUEUE: Queue<NotificationMessage>;
  RATING_UPDATES_QUEUE: Queue<RatingUpdateMessage>;
}
