/**
 * The docs run: every fenced block marked ```` ```bash runnable ```` in README.md and docs/*.md,
 * in the order of EXAMPLE_FILES (then file order), as ONE bash script (so variables set by one
 * block, like B, API and TOKEN, reach the next) against a running API, with `localhost:8787`
 * replaced by its address. Every `curl` fails the run on an HTTP status of 400 or more unless the
 * line says it expects one (`# -> 409`), so an example cannot go stale:
 * test/node/dev-stack.test.ts runs this against `npm run dev`. A Markdown file with runnable
 * blocks that EXAMPLE_FILES does not name is an error (test/node/docs-links.test.ts checks it).
 *
 *   npm run docs:examples -- http://127.0.0.1:8787
 *   node scripts/readme-examples.ts http://127.0.0.1:8787     (Node >= 22.18 runs a .ts file)
 *
 * Exit 0 when every block ran; otherwise the file and line of the failing command and its output.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface RunnableBlock {
  file: string;
  /** 1-based line of the first command in the file. */
  line: number;
  lines: string[];
}

const ROOT = resolve(import.meta.dirname, '..');

/**
 * The order the runnable blocks run in, stated once: the README, then the API guide (its first
 * block signs in as the seeded admin: B, TOKEN), checkout (API, TOKEN, PRODUCT; an order), the
 * tour, then the files that have no runnable block today. The README's Commands table repeats it.
 */
export const EXAMPLE_FILES = [
  'README.md',
  'docs/api.md',
  'docs/checkout.md',
  'docs/api-tour.md',
  'docs/operations.md',
  'docs/deploying.md',
  'docs/performance.md',
  'docs/architecture.md',
] as const;

/** Every Markdown file the runner reads: README.md and docs/*.md. */
export function markdownFiles(): string[] {
  let docs: string[] = [];
  try {
    docs = readdirSync(join(ROOT, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .sort()
      .map((f) => `docs/${f}`);
  } catch {
    // no docs/ folder: the README alone
  }
  return ['README.md', ...docs];
}

function blocksOf(file: string): RunnableBlock[] {
  const blocks: RunnableBlock[] = [];
  const text = readFileSync(join(ROOT, file), 'utf8').split('\n');
  for (let i = 0; i < text.length; i++) {
    if (!/^```bash runnable\s*$/.test(text[i]!)) continue;
    const start = i + 1;
    let end = start;
    while (end < text.length && !/^```\s*$/.test(text[end]!)) end++;
    blocks.push({ file, line: start + 1, lines: text.slice(start, end) });
    i = end;
  }
  return blocks;
}

/**
 * The runnable blocks of `files` in EXAMPLE_FILES order; throws when a file that holds runnable
 * blocks is not in EXAMPLE_FILES (its place in the shared script would be a guess).
 */
export function runnableBlocks(files = markdownFiles()): RunnableBlock[] {
  const order: readonly string[] = EXAMPLE_FILES;
  const unlisted = files.filter((f) => !order.includes(f) && blocksOf(f).length > 0);
  if (unlisted.length > 0)
    throw new Error(
      `${unlisted.join(', ')}: runnable blocks in a file EXAMPLE_FILES (scripts/readme-examples.ts) does not name`,
    );
  return order.filter((f) => files.includes(f)).flatMap(blocksOf);
}

/**
 * `curl` becomes a function that prints the body, then fails on a status >= 400 unless the
 * command's own line (passed as README_LINE) says `# -> 4xx` for that status.
 */
const PRELUDE = [
  'set -eEuo pipefail',
  'curl() {',
  '  local out status',
  '  out=$(command curl -sS -w "\\n%{http_code}" "$@") || { echo "curl failed: $*" >&2; return 1; }',
  "  status=${out##*$'\\n'}; out=${out%$'\\n'*}",
  '  printf \'%s\\n\' "$out"',
  '  if [[ $status -ge 400 && "$README_LINE" != *"# -> $status"* ]]; then',
  '    echo "HTTP $status (not expected by the example): $out" >&2',
  '    return 1',
  '  fi',
  '}',
].join('\n');

/** One script: each command line is preceded by the README line it came from. */
export function scriptOf(blocks: RunnableBlock[], baseUrl: string): { script: string; origin: string[] } {
  const host = new URL(baseUrl).host;
  const out = [PRELUDE];
  const origin: string[] = [];
  origin.length = PRELUDE.split('\n').length;
  for (const block of blocks) {
    let command = '';
    let commandLine = block.line;
    block.lines.forEach((raw, i) => {
      const line = raw.replaceAll('localhost:8787', host);
      if (command === '') commandLine = block.line + i;
      command += (command ? '\n' : '') + line;
      if (line.endsWith('\\') || /^\s*$/.test(line) || openQuotes(command)) return;
      const where = `${block.file}:${commandLine}`;
      out.push(`README_LINE=${shellQuote(command.split('\n').join(' '))}; README_WHERE=${shellQuote(where)}`);
      origin.push(where);
      for (const l of command.split('\n')) {
        out.push(l);
        origin.push(where);
      }
      command = '';
    });
  }
  return { script: out.join('\n') + '\n', origin };
}

/** A command continues while a single or double quote is open (a JSON body over several lines). */
function openQuotes(text: string): boolean {
  let single = false;
  let double = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && !single) i++;
    else if (c === "'" && !double) single = !single;
    else if (c === '"' && !single) double = !double;
  }
  return single || double;
}

const shellQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

export function runExamples(baseUrl: string): { ok: boolean; blocks: number; output: string } {
  const blocks = runnableBlocks();
  const { script } = scriptOf(blocks, baseUrl);
  const trap = `trap 'echo "docs example failed at $README_WHERE" >&2' ERR\n`;
  const run = spawnSync('bash', ['-c', trap + script], { encoding: 'utf8', timeout: 300_000, cwd: ROOT });
  return { ok: run.status === 0, blocks: blocks.length, output: (run.stdout ?? '') + (run.stderr ?? '') };
}

if (import.meta.main) {
  const base = process.argv[2] ?? 'http://localhost:8787';
  const result = runExamples(base);
  if (!result.ok) {
    console.error(result.output.split('\n').slice(-30).join('\n'));
    process.exit(1);
  }
  console.log(
    `docs:examples: ${result.blocks} runnable block(s) of README.md and docs/ ran, in EXAMPLE_FILES order, against ${base}`,
  );
}
