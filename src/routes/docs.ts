import { Hono } from 'hono';

import type { AppEnv } from '../lib/types.ts';

/**
 * Swagger UI over /api/v1/openapi.json. Its files are Workers static assets under
 * /docs/ (copied from the swagger-ui-dist npm package by scripts/docs-assets.mjs into
 * .assets/, wrangler.toml [assets]): nothing comes from a CDN, so the page works offline.
 */
const page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>E-commerce Edge API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" type="image/png" href="/docs/favicon-32x32.png">
<link rel="stylesheet" href="/docs/swagger-ui.css"></head>
<body><div id="ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body></html>`;

export const docsRoutes = new Hono<AppEnv>().get('/docs', (c) => {
  c.header(
    'content-security-policy',
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'",
  );
  return c.html(page);
});
