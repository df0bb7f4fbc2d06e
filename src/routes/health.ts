import { createRoute, z } from '@hono/zod-openapi';

import { createRouter } from '../lib/create-router.ts';
import { access } from '../middleware/access.ts';
import { ctxOf } from '../middleware/tenant.ts';
import { checkHealth } from '../services/health/index.ts';

const StoreCheck = z.object({
  status: z.enum(['up', 'down']),
  latencyMs: z.number().int(),
  error: z.string().optional(),
});
const Configuration = z.object({
  environment: z.enum(['development', 'staging', 'production']),
  status: z.enum(['ok', 'refused']),
  problems: z.array(z.object({ setting: z.string(), problem: z.string() })),
});
const HealthReport = z
  .object({
    status: z.enum(['ok', 'degraded', 'misconfigured']),
    checks: z.object({ postgres: StoreCheck, mongo: StoreCheck }),
    configuration: Configuration,
  })
  .openapi('HealthReport', {
    example: {
      status: 'ok',
      checks: { postgres: { status: 'up', latencyMs: 4 }, mongo: { status: 'up', latencyMs: 6 } },
      configuration: { environment: 'development', status: 'ok', problems: [] },
    },
  });

const route = createRoute({
  method: 'get',
  path: '/health',
  ...access.public(),
  tags: ['System'],
  summary: "Checks PostgreSQL, MongoDB (Data API) and the Worker's configuration",
  description:
    'Each store with its status and latency. In staging and production also the configuration check: every ' +
    'problem is named by setting, never by value; while there is one, every other route answers 503 `misconfigured`.',
  responses: {
    200: {
      description: 'Both stores answer and the configuration is accepted',
      content: { 'application/json': { schema: HealthReport } },
    },
    503: {
      description: 'A store is down or the configuration is refused',
      content: { 'application/json': { schema: HealthReport } },
    },
  },
});

export const healthRoutes = createRouter().openapi(route, async (c) => {
  const report = await checkHealth(ctxOf(c));
  c.header('cache-control', 'no-store');
  return report.status === 'ok' ? c.json(report, 200) : c.json(report, 503);
});
