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

  ORDER_SAGA: DurableObjectNamespace<OrderSaga>;
  NOTIFICATIONS_QUEUE: Queue<NotificationMessage>;
  RATING_UPDATES_QUEUE: Queue<RatingUpdateMessage>;
}
