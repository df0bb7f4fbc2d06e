import { Hono } from 'hono';
import type { AppEnv } from '../lib/types.ts';

/** Swagger UI over /openapi.json. Assets come from a CDN, keeping the Worker small. */
const page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>E-commerce Edge API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="https://unpkg.com/swagger-ui-dist@5/swagger-ui.css"></head>
<body><div id="ui"></div>
<script src="https://unpkg.com/swagger-ui-dist@5/swagger-ui-bundle.js" crossorigin></script>
<script>window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#ui' });</script>
</body></html>`;

export const docsRoutes = new Hono<AppEnv>().get('/docs', (c) => {
  c.header('content-security-policy', "default-src 'self' https://unpkg.com; style-src 'self' 'unsafe-inline' https://unpkg.com; script-src 'unsafe-inline' https://unpkg.com; img-src 'self' data: https:");
  return c.html(page);
});
