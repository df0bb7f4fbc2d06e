/**
 * The README runs: every fenced block marked ```` ```bash runnable ```` in README.md and docs/*.md,
 * in file order, as ONE bash script (so variables set by one block, like TOKEN, reach the next)
 * against a running API, with `localhost:8787` replaced by its address. Every `curl` fails the
 * run on an HTTP status of 400 or more unless the line says it expects one (`# -> 409`), so an
 * example cannot go stale: test/node/dev-stack.test.ts runs this against `npm run dev`.
 *
 *   node scripts/readme-examples.ts http://127.0.0.1:8787     (or npm run docs:examples -- URL)
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

export function runnableBlocks(files = ['README.md', ...docsFiles()]): RunnableBlock[] {
  const blocks: RunnableBlock[] = [];
  for (const file of files) {
    const text = readFileSync(join(ROOT, file), 'utf8').split('\n');
    for (let i = 0; i < text.length; i++) {
      if (!/^```bash runnable\s*$/.test(text[i]!)) continue;
      const start = i + 1;
      let end = start;
      while (end < text.length && !/^```\s*$/.test(text[end]!)) end++;
      blocks.push({ file, line: start + 1, lines: text.slice(start, end) });
      i = end;
    }
  }
  return blocks;
}

function docsFiles(): string[] {
  try {
    return readdirSync(join(ROOT, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .sort()
      .map((f) => `docs/${f}`);
  } catch {
    return [];
  }
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
  const trap = `trap 'echo "README example failed at $README_WHERE" >&2' ERR\n`;
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
  console.log(`docs:examples: ${result.blocks} runnable block(s) of README.md and docs/ ran against ${base}`);
}
