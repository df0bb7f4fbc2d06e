/**
 * `npm run build:check`: what CI proves about a production deploy without an account.
 * Runs `wrangler deploy --dry-run --env production` (the config parses, every binding
 * resolves, the bundle builds) and fails when the Worker's gzip size is over the budget
 * (BUNDLE_BUDGET_KIB, default 360: a larger script starts slower in every location; docs/deploying.md says why 360).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const budgetKiB = Number(process.env.BUNDLE_BUDGET_KIB ?? 360);
const environment = process.env.BUNDLE_ENV ?? 'production';
const outdir = mkdtempSync(join(tmpdir(), 'bundle-'));
try {
  const dry = spawnSync('wrangler', ['deploy', '--dry-run', '--env', environment, '--outdir', outdir], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', WRANGLER_SEND_METRICS: 'false' },
  });
  if (dry.status !== 0) {
    console.error((dry.stdout + dry.stderr).replace(/\x1b\[[0-9;]*m/g, ''));
    console.error(`build:check: wrangler deploy --dry-run --env ${environment} failed`);
    process.exit(1);
  }
  const output = (dry.stdout + dry.stderr).replace(/\x1b\[[0-9;]*m/g, '');
  const warnings = output.match(/WARNING[^\n]*\n(?:[ \t]*\n)*(?:[ \t]+[^\n]*\n)+/g) ?? [];
  for (const w of warnings) console.warn(w.trim());
  const script = readFileSync(join(outdir, 'index.js'));
  const gzipKiB = gzipSync(script, { level: 9 }).length / 1024;
  const line = `${(script.length / 1024).toFixed(0)} KiB raw, ${gzipKiB.toFixed(1)} KiB gzip (budget ${budgetKiB} KiB gzip)`;
  if (gzipKiB > budgetKiB) {
    console.error(`build:check: the ${environment} Worker is over budget: ${line}`);
    process.exit(1);
  }
  if (warnings.length) {
    console.error(`build:check: wrangler warned about the ${environment} configuration (above)`);
    process.exit(1);
  }
  console.log(`build:check: ${environment} dry run ok, ${line}`);
} finally {
  rmSync(outdir, { recursive: true, force: true });
}
