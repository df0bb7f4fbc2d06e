/**
 * `npm run fuzz`: property-based fuzzing of every operation in the OpenAPI document
 * with Schemathesis (PyPI), against the API started as `npm run dev` starts it, on
 * its own port and throwaway state directory (like `npm run bench`). Checks: not_a_server_error,
 * response_schema_conformance, status_code_conformance. Exits non-zero on any failure.
 *
 *   FUZZ_MAX_EXAMPLES=25 FUZZ_MAX_TIME=300 FUZZ_WORKERS=2 npm run fuzz
 *
 * Schemathesis is installed once into .fuzz/venv (git-ignored) from scripts/fuzz-requirements.txt;
 * reports (JUnit, NDJSON) go to .fuzz/report. The run signs in as the seeded ADMIN, so
 * authenticated operations are exercised past their 401.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ROOT, startDevServer } from './lib/dev-server.ts';
import { freePort } from './lib/ports.ts';
import { onStop } from './lib/stop-signals.ts';

const maxExamples = process.env.FUZZ_MAX_EXAMPLES ?? '25';
const maxTime = process.env.FUZZ_MAX_TIME ?? '300';
const workers = process.env.FUZZ_WORKERS ?? '2';
const venv = join(ROOT, '.fuzz', 'venv');
const st = join(venv, 'bin', 'st');

function run(cmd: string, args: string[]): void {
  const res = spawnSync(cmd, args, { stdio: 'inherit' });
  if (res.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${res.status ?? res.signal})`);
}

if (!existsSync(st)) {
  console.log('fuzz: installing Schemathesis into .fuzz/venv');
  run('python3', ['-m', 'venv', venv]);
  run(join(venv, 'bin', 'pip'), [
    'install',
    '--quiet',
    '--disable-pip-version-check',
    '-r',
    join(ROOT, 'scripts', 'fuzz-requirements.txt'),
  ]);
}

const stateDir = mkdtempSync(join(tmpdir(), 'fuzz-'));
let server: Awaited<ReturnType<typeof startDevServer>> | undefined;
let fuzzer: ReturnType<typeof spawn> | undefined;
// Ctrl-C, kill or a closed terminal stops the whole stack (PostgreSQL, FerretDB, wrangler) and Schemathesis.
onStop(async (reason) => {
  console.log(`fuzz: ${reason}; stopping the stack`);
  fuzzer?.kill('SIGTERM');
  await server?.stop().catch(() => {});
  rmSync(stateDir, { recursive: true, force: true });
  process.exit(1);
});
console.log('fuzz: starting the API (local stack + wrangler dev)');
// Stripe's webhook endpoint answers 503 while Stripe is not configured (deliberately: Stripe
// retries on 5xx); configure it so the fuzzer reaches its signature check instead.
const vars = { STRIPE_SECRET_KEY: 'sk_test_fuzz', STRIPE_WEBHOOK_SECRET: `whsec_fuzz_${crypto.randomUUID()}` };
server = await startDevServer({ port: await freePort(), stateDir, quiet: true, vars });
let code: number;
try {
  const login = await fetch(`${server.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-tenant-id': server.seed.tenantId },
    body: JSON.stringify({ login: server.seed.adminEmail, password: server.seed.adminPassword }),
  });
  if (!login.ok) throw new Error(`fuzz: seed admin login failed: ${login.status} ${await login.text()}`);
  const { tokens } = (await login.json()) as { tokens: { accessToken: string } };

  const args = [
    'run',
    `${server.url}/api/v1/openapi.json`,
    '--checks',
    'not_a_server_error,response_schema_conformance,status_code_conformance',
    '--max-examples',
    maxExamples,
    '--max-time',
    maxTime,
    '--workers',
    workers,
    '--request-timeout',
    '30',
    '--seed',
    process.env.FUZZ_SEED ?? '1',
    '--header',
    `Authorization: Bearer ${tokens.accessToken}`,
    '--header',
    `X-Tenant-ID: ${server.seed.tenantId}`,
    '--report',
    'junit,ndjson',
    '--report-dir',
    join(ROOT, '.fuzz', 'report'),
    '--output-truncate',
    'true',
    '--suppress-health-check',
    'all',
    ...process.argv.slice(2),
  ];
  console.log(`fuzz: st run (max ${maxExamples} examples per operation, ${maxTime} s, ${workers} workers)`);
  code = await new Promise<number>((resolve) => {
    // cwd .fuzz: Schemathesis keeps its example database in ./.schemathesis.
    const child = (fuzzer = spawn(st, args, {
      cwd: join(ROOT, '.fuzz'),
      stdio: 'inherit',
      env: { ...process.env, SCHEMATHESIS_TELEMETRY: 'false', NO_COLOR: '1' },
    }));
    child.once('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0)));
  });
} finally {
  await server.stop();
  rmSync(stateDir, { recursive: true, force: true });
}
console.log(`fuzz: ${code === 0 ? 'passed' : `failed (exit ${code})`}`);
process.exit(code);
