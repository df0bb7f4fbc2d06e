/**
 * The gateway as a deployable unit: `npm run gateway:build` makes one file that runs with a
 * plain `node` in an empty folder (no node_modules), answers its health route without a key,
 * serves the Data API with one, and stops cleanly on SIGTERM.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';

const API_KEY = 'gateway-bundle-test-key-0123456789';

describe('the bundled gateway', () => {
  it('runs alone: health, an authenticated action, SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gateway-'));
    const bundle = join(dir, 'data-api-gateway.mjs');
    await promisify(execFile)(process.execPath, ['scripts/build-gateway.ts', bundle], { timeout: 60_000 });

    const child = spawn(process.execPath, [bundle], {
      cwd: dir,
      env: {
        PATH: process.env.PATH,
        MONGODB_URI: inject('mongoUri'),
        GATEWAY_API_KEYS: API_KEY,
        PORT: '0',
        HOST: '127.0.0.1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const m = /listening on (http:\/\/\S+)/.exec(out);
          if (m) resolve(m[1]!);
        });
        child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
        child.once('exit', (code) => reject(new Error(`gateway exited ${code}: ${out}`)));
      });

      const health = await fetch(`${url}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok' });

      const body = JSON.stringify({
        dataSource: 'mongodb',
        database: 'gateway_bundle',
        collection: 'probe',
        filter: {},
      });
      const headers = { 'content-type': 'application/json', accept: 'application/json' };
      expect((await fetch(`${url}/action/findOne`, { method: 'POST', headers, body })).status).toBe(401);
      const found = await fetch(`${url}/action/findOne`, {
        method: 'POST',
        headers: { ...headers, 'api-key': API_KEY },
        body,
      });
      expect(found.status).toBe(200);
      expect(await found.json()).toEqual({ document: null });
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
