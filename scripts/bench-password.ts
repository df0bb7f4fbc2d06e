/**
 * CPU cost of password hashing inside workerd (not Node): bundles a tiny Worker
 * around src/lib/passwords.ts, runs it in Miniflare, and times N operations there.
 */
import { join } from 'node:path';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';

import { ROOT } from './lib/dev-server.ts';

export interface PasswordBench {
  hashMs: number;
  verifyMs: number;
  bcrypt10VerifyMs: number;
}

const entry = `
import { hashPassword, verifyPassword } from ${JSON.stringify(join(ROOT, 'src/lib/passwords.ts'))};
import bcrypt from 'bcryptjs';
export default {
  async fetch() {
    const n = 20;
    const stored = await hashPassword('Correct-Horse-42');
    const legacy = bcrypt.hashSync('Correct-Horse-42', 10).replace(/^\\$2b\\$/, '$2a$');
    const time = async (f) => { const t = performance.now(); for (let i = 0; i < n; i++) await f(); return (performance.now() - t) / n; };
    return Response.json({
      hashMs: await time(() => hashPassword('Correct-Horse-42')),
      verifyMs: await time(() => verifyPassword('Correct-Horse-42', stored)),
      bcrypt10VerifyMs: await time(() => verifyPassword('Correct-Horse-42', legacy)),
    });
  },
};`;

export async function benchPasswords(): Promise<PasswordBench> {
  const bundle = await build({
    stdin: { contents: entry, resolveDir: ROOT, loader: 'js' },
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    write: false,
    external: ['node:*', 'crypto'],
    mainFields: ['module', 'main'],
    conditions: ['workerd', 'worker', 'import'],
  });
  const mf = new Miniflare({
    workers: [
      {
        config: {
          name: 'bench',
          compatibilityDate: '2026-11-01',
          compatibilityFlags: ['nodejs_compat'],
          manifest: {
            mainModule: 'bench.mjs',
            modules: { 'bench.mjs': { type: 'esm', contents: bundle.outputFiles[0]!.text } },
          },
        },
      },
    ],
  });
  try {
    const res = await mf.dispatchFetch('http://bench/');
    return (await res.json()) as PasswordBench;
  } finally {
    await mf.dispose();
  }
}
