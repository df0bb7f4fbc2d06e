/**
 * Runs stripe-mock (Stripe's own mock of its REST API, built by scripts/build-stripe-mock.sh)
 * as a child process on a free 127.0.0.1 port, for the test stack. `npm run dev` does not use
 * it (the test payment provider needs no network).
 *
 * stripe-mock answers from fixtures and keeps no state. One fixture is adjusted: a
 * PaymentIntent's `status` is `requires_capture` (the bundled one says
 * `requires_payment_method`), which is what Stripe answers to create+confirm with
 * `capture_method=manual`; without it every authorization would read as a failed one.
 * `-strict-version-check` makes it reject any `Stripe-Version` but the one of its spec,
 * so the tests also prove the adapter pins the version it was checked against.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { freePort } from './ports.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const STRIPE_MOCK_BINARY = join(ROOT, '.tools/bin/stripe-mock');
const FIXTURES = join(ROOT, '.tools/share/stripe-mock/fixtures3.json');
const BUILD_SCRIPT = join(ROOT, 'scripts/build-stripe-mock.sh');

export interface RunningStripeMock {
  /** http://127.0.0.1:PORT, the adapter's STRIPE_API_BASE. */
  url: string;
  stop(): Promise<void>;
}

async function ensureBinary(): Promise<void> {
  if (existsSync(STRIPE_MOCK_BINARY) && existsSync(FIXTURES)) return;
  await new Promise<void>((resolve, reject) => {
    const child = spawn('bash', [BUILD_SCRIPT], { cwd: ROOT, stdio: ['ignore', process.stderr, process.stderr] });
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`${BUILD_SCRIPT} failed (${signal ?? `exit ${code}`})`)),
    );
  });
}

function writeFixtures(dir: string): string {
  const fixtures = JSON.parse(readFileSync(FIXTURES, 'utf8')) as { resources: Record<string, Record<string, unknown>> };
  const intent = fixtures.resources.payment_intent;
  if (!intent) throw new Error(`${FIXTURES} has no payment_intent fixture`);
  intent.status = 'requires_capture';
  const file = join(dir, 'fixtures3.json');
  writeFileSync(file, JSON.stringify(fixtures));
  return file;
}

function waitForPort(port: number, timeoutMs: number, exited: Promise<unknown>, output: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      clearInterval(poll);
      clearTimeout(timer);
      if (err) reject(err);
      else resolve();
    };
    const poll = setInterval(() => {
      const s = connect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        finish();
      });
      s.on('error', () => s.destroy());
    }, 100);
    const timer = setTimeout(
      () => finish(new Error(`stripe-mock did not listen on ${port} within ${timeoutMs} ms\n${output.join('')}`)),
      timeoutMs,
    );
    void exited.then(() => finish(new Error(`stripe-mock exited before listening\n${output.join('')}`)));
  });
}

export async function startStripeMock(): Promise<RunningStripeMock> {
  await ensureBinary();
  const dir = mkdtempSync(join(tmpdir(), 'stripe-mock-'));
  const fixtures = writeFixtures(dir);
  let lastError: unknown;
  // A port from freePort() can be taken before stripe-mock binds it: retry with another.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    // -https-addr on port 0: never the default 12112, which parallel test stacks would share.
    const args = [
      '-http-addr',
      `127.0.0.1:${port}`,
      '-https-addr',
      '127.0.0.1:0',
      '-fixtures',
      fixtures,
      '-strict-version-check',
    ];
    const child = spawn(STRIPE_MOCK_BINARY, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const output: string[] = [];
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    const onExit = () => child.kill('SIGKILL');
    process.once('exit', onExit);
    const stop = async () => {
      process.off('exit', onExit);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    };
    try {
      await waitForPort(port, 15_000, exited, output);
      return {
        url: `http://127.0.0.1:${port}`,
        stop: async () => {
          await stop();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    } catch (err) {
      lastError = err;
      await stop();
    }
  }
  rmSync(dir, { recursive: true, force: true });
  throw lastError;
}
