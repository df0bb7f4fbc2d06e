import { cors } from 'hono/cors';
import { requestId } from 'hono/request-id';
import { secureHeaders } from 'hono/secure-headers';

import { configOf } from './lib/config.ts';
import { createRouter } from './lib/create-router.ts';
import { documentServer } from './lib/openapi.ts';
import { authenticate } from './middleware/auth.ts';
import { limitBody, requireJsonBody } from './middleware/body-rules.ts';
import { refuseMisconfigured } from './middleware/configuration-guard.ts';
import { serveEdgeCacheRefillsWith } from './middleware/edge-cache.ts';
import { notFound, onError } from './middleware/errors.ts';
import { requestContext } from './middleware/request-context.ts';
import { bindContext } from './middleware/tenant.ts';
import { adminRoutes } from './routes/admin/admin.index.ts';
import { authRoutes, jwksRoutes } from './routes/auth/auth.index.ts';
import { cartsRoutes } from './routes/carts/carts.index.ts';
import { categoriesRoutes } from './routes/categories/categories.index.ts';
import { docsRoutes } from './routes/docs.ts';
import { healthRoutes } from './routes/health.ts';
import { notificationsRoutes } from './routes/notifications/notifications.index.ts';
import { ordersRoutes } from './routes/orders/orders.index.ts';
import { paymentsRoutes } from './routes/payments/payments.index.ts';
import { productsRoutes } from './routes/products/products.index.ts';
import { promotionsRoutes } from './routes/promotions/promotions.index.ts';
import { reviewsRoutes } from './routes/reviews/reviews.index.ts';
import { usersRoutes } from './routes/users/users.index.ts';

export const API_PREFIX = '/api/v1';

/** Builds the whole HTTP API: middleware, error handling, routes, OpenAPI document. */
export function createApp() {
  const app = createRouter();

  app.use(
    '*',
    requestId({ headerName: 'x-request-id', limitLength: 64 }),
    requestContext,
    refuseMisconfigured,
    secureHeaders(),
    cors({
      origin: (origin, c) => {
        const allowed = configOf(c.env).corsOrigins;
        return allowed.includes('*') ? '*' : allowed.includes(origin) ? origin : null;
      },
      allowHeaders: [
        'authorization',
        'content-type',
        'x-api-key',
        'x-tenant-id',
        'idempotency-key',
        'if-match',
        'if-none-match',
        'x-cart-token',
        'x-cart-id',
      ],
      exposeHeaders: [
        'x-request-id',
        'etag',
        'location',
        'retry-after',
        'x-data-api-calls',
        'x-cart-id',
        'idempotent-replayed',
        'x-cache',
        'age',
      ],
      maxAge: 600,
    }),
    limitBody,
    requireJsonBody,
    authenticate,
    bindContext,
  );
  app.onError(onError);
  app.notFound(notFound);

  // One chain, so the returned app's type carries every route (AppType, for Hono's typed client).
  const routes = app
    .route(API_PREFIX, healthRoutes)
    .route(API_PREFIX, authRoutes)
    .route(API_PREFIX, adminRoutes)
    .route(API_PREFIX, usersRoutes)
    .route(API_PREFIX, productsRoutes)
    .route(API_PREFIX, categoriesRoutes)
    .route(API_PREFIX, reviewsRoutes)
    .route(API_PREFIX, ordersRoutes)
    .route(API_PREFIX, cartsRoutes)
    .route(API_PREFIX, paymentsRoutes)
    .route(API_PREFIX, promotionsRoutes)
    .route(API_PREFIX, notificationsRoutes)
    // The token verification keys, also at the conventional root location.
    .route('/', jwksRoutes);

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'cartToken', {
    type: 'apiKey',
    in: 'header',
    name: 'X-Cart-Token',
    description: 'The secret of an anonymous cart, answered once by POST /carts',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'apiKey', {
    type: 'apiKey',
    in: 'header',
    name: 'X-API-Key',
  });

  // The document, completed centrally (src/lib/openapi.ts), at the root and under the API prefix.
  const document = documentServer(app);
  app.get('/openapi.json', (c) => c.json(document()));
  app.get(`${API_PREFIX}/openapi.json`, (c) => c.json(document()));
  app.route('/', docsRoutes);
  // Stale catalog entries are refilled in the background through the app itself.
  serveEdgeCacheRefillsWith((request, env, ctx) => app.fetch(request, env, ctx));
  return routes;
}

/** The whole API, every route with its inputs and responses: for `hc<AppType>` (hono/client) and `testClient`. */
export type AppType = ReturnType<typeof createApp>;
