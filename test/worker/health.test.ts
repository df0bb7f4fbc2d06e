import { describe, expect, it } from 'vitest';

import type { Env } from '../../src/env.ts';
import { api, apiWithEnv, jsonOf } from '../fixtures/index.ts';

/** Health under other bindings: its status and report (a 503 is a degraded report, not a problem). */
async function healthWith(overrides: Partial<Env>) {
  const res = await apiWithEnv({ STORE_TIMEOUT_MS: '2000', ...overrides }).health.$get();
  return { status: res.status, body: await jsonOf(res, 503) };
}

describe('GET /api/v1/health', () => {
  it('reports both stores up with their latency', async () => {
    const res = await api.health.$get();
    const body = await jsonOf(res, 200);
    expect(body.status).toBe('ok');
    expect(body.checks.postgres).toMatchObject({ status: 'up' });
    expect(body.checks.mongo).toMatchObject({ status: 'up' });
    expect(body.checks.postgres.latencyMs).toBeGreaterThanOrEqual(0);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('answers 503 and names PostgreSQL when its URL is wrong', async () => {
    const { status, body } = await healthWith({ DATABASE_URL: 'postgres://nobody:nothing@127.0.0.1:1/none' });
    expect(status).toBe(503);
    expect(body.status).toBe('degraded');
    expect(body.checks.postgres.status).toBe('down');
    expect(body.checks.mongo.status).toBe('up');
    // No connection string or credentials leak into the report.
    expect(JSON.stringify(body)).not.toContain('nothing');
  });

  it('answers 503 and names MongoDB when the Data API URL is wrong', async () => {
    const { status, body } = await healthWith({ MONGO_DATA_API_URL: 'http://127.0.0.1:9' });
    expect(status).toBe(503);
    expect(body.checks.mongo.status).toBe('down');
    expect(body.checks.postgres.status).toBe('up');
  });
});
