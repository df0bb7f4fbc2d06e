/**
 * Vitest global setup (Node, once per run): starts the real stack (a throwaway PostgreSQL 15
 * cluster with the relational database and DocumentDB, FerretDB v2, the WebSocket proxy, the
 * Data API gateway; the engine is built first when missing) in a child process, waits until
 * both stores are migrated, and provides the Worker's bindings to the workerd pool. Teardown
 * stops the child, which stops every server it started.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import type { TestProject } from 'vitest/node';

import type { StackBindings } from '../../scripts/lib/stack.ts';

export interface OidcInfo {
  issuer: string;
  audience: string;
  privateJwk: Record<string, unknown>;
}

interface StackInfo {
  bindings: StackBindings & { OAUTH_PROVIDERS: string };
  oidc: OidcInfo;
  ownerDatabaseUrl: string;
  mongoUri: string;
}

export default async function setup(project: TestProject) {
  const started = Date.now();
  const root = resolve(import.meta.dirname, '../..');
  const child = spawn(process.execPath, [resolve(root, 'scripts/stack-process.ts')], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'inherit'],
    env: process.env,
  });
  const info = await new Promise<StackInfo>((resolveInfo, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.startsWith('STACK_READY '));
      if (line) resolveInfo(JSON.parse(line.slice('STACK_READY '.length)) as StackInfo);
    });
    child.once('exit', (code) => reject(new Error(`test stack exited (${code}) before it was ready:\n${out}`)));
  });
  console.log(`test stack up in ${Date.now() - started} ms`);
  project.provide('bindings', { ...info.bindings });
  project.provide('ownerDatabaseUrl', info.ownerDatabaseUrl);
  project.provide('mongoUri', info.mongoUri);
  project.provide('oidc', info.oidc);

  return async () => {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  };
}
