/**
 * Probes the two stores, each with a timeout (a store that fails or is late is `down`), and
 * reports the configuration check; in staging and production also whether a platform ADMIN
 * still has the development password.
 */
import { sql } from 'drizzle-orm';

import { configWithDefaults } from '../../lib/config.ts';
import type { ServiceContext } from '../context.ts';
import { configurationOf, type ConfigurationReport } from './configuration.ts';
import { platformAdminsOnDefaultPassword } from './default-admin.ts';
import type { HealthReport, StoreCheck } from './model.ts';

async function timed(probe: () => Promise<unknown>, timeoutMs: number): Promise<StoreCheck> {
  const started = Date.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { status: 'up', latencyMs: Date.now() - started };
  } catch (err) {
    // Say what kind of failure it was, never connection strings or credentials.
    const error = err instanceof Error ? err.name + (err.message.includes('within') ? ': timeout' : '') : 'Error';
    return { status: 'down', latencyMs: Date.now() - started, error };
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/** The configuration report plus the database-backed check of the platform admins' passwords. */
async function configurationWithAdmins(ctx: ServiceContext): Promise<ConfigurationReport> {
  const report = configurationOf(ctx.env);
  if (report.environment === 'development') return report;
  const admins = await platformAdminsOnDefaultPassword(ctx).catch(() => []);
  if (admins.length === 0) return report;
  const problem = {
    setting: 'platform ADMIN password',
    problem: `${admins.length} platform ADMIN account(s) still sign in with the development password (npm run admin:password)`,
  };
  return { ...report, status: 'refused', problems: [...report.problems, problem] };
}

/**
 * Probes both stores concurrently, each within STORE_TIMEOUT_MS: one round trip each (and,
 * deployed, one more for the admins). Names no tenant: the context's is never read.
 */
export async function checkHealth(ctx: ServiceContext): Promise<HealthReport> {
  const { env, stores } = ctx;
  const timeoutMs = configWithDefaults(env).storeTimeoutMs;
  const [postgres, mongo] = await Promise.all([
    timed(() => stores.pg('auth').db.execute(sql`select 1`), timeoutMs),
    timed(() => stores.mongo().collection('_health').findOne({}), timeoutMs),
  ]);
  const configuration = postgres.status === 'up' ? await configurationWithAdmins(ctx) : configurationOf(env);
  const storesUp = postgres.status === 'up' && mongo.status === 'up';
  const status = configuration.status === 'refused' ? 'misconfigured' : storesUp ? 'ok' : 'degraded';
  return { status, checks: { postgres, mongo }, configuration };
}
