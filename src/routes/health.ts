import { createRoute, z } from '@hono/zod-openapi';

import { createRouter } from '../lib/create-router.ts';
import { access } from '../middleware/access.ts';
import { checkHealth } from '../services/health/index.ts';

const StoreCheck = z.object({
  status: z.enum(['up', 'down']),
  latencyMs: z.number().int(),
  error: z.string().optional(),
});
const HealthReport = z
  .object({
    status: z.enum(['ok', 'degraded']),
    checks: z.object({ postgres: StoreCheck, mongo: StoreCheck }),
  })
  .openapi('HealthReport');

const route = createRoute({
  method: 'get',
  path: '/health',
  ...access.public(),
  tags: ['System'],
  summary: "Checks PostgreSQL and MongoDB (Data API) and reports each one's status and latency",
  responses: {
    200: { description: 'Both stores answer', content: { 'application/json': { schema: HealthReport } } },
    503: { description: 'A store is down', content: { 'application/json': { schema: HealthReport } } },
  },
});

export const healthRoutes = createRouter().openapi(route, async (c) => {
  const report = await checkHealth(c.get('stores'), Number(c.env.STORE_TIMEOUT_MS) || 3000);
  c.header('cache-control', 'no-store');
  return report.status === 'ok' ? c.json(report, 200) : c.json(report, 503);
});
