/**
 * The two places an operator keeps the Worker's secrets, read and written the same way:
 * - `.dev.vars` (dotenv, one `NAME='value'` a line) for `wrangler dev` against one's own stores;
 * - `.secrets.<env>.json` for `npx wrangler secret bulk .secrets.<env>.json --env <env>`.
 * Both are git-ignored and written with mode 600. Nothing here prints a secret's value.
 */
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';

export type SecretFile = { path: string; kind: 'dotenv' | 'json' };

export function secretFileFor(environment: string | undefined, explicit?: string): SecretFile {
  const path = explicit ?? (environment ? `.secrets.${environment}.json` : '.dev.vars');
  return { path, kind: path.endsWith('.json') ? 'json' : 'dotenv' };
}

function unquote(value: string): string {
  const v = value.trim();
  if ((v.startsWith("'") && v.endsWith("'")) || (v.startsWith('"') && v.endsWith('"'))) return v.slice(1, -1);
  return v;
}

export function readSecrets(file: SecretFile): Record<string, string> {
  if (!existsSync(file.path)) return {};
  const text = readFileSync(file.path, 'utf8');
  if (file.kind === 'json') return JSON.parse(text) as Record<string, string>;
  const values: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Z][A-Z0-9_]*)\s*=(.*)$/.exec(line);
    if (m) values[m[1]!] = unquote(m[2]!);
  }
  return values;
}

/** Sets `changes` in the file, keeping its other lines (dotenv comments included). */
export function writeSecrets(file: SecretFile, changes: Record<string, string>): void {
  if (file.kind === 'json') {
    writeFileSync(file.path, JSON.stringify({ ...readSecrets(file), ...changes }, null, 2) + '\n', { mode: 0o600 });
  } else {
    const lines = existsSync(file.path) ? readFileSync(file.path, 'utf8').replace(/\n$/, '').split('\n') : [];
    const pending = new Map(Object.entries(changes));
    const out = lines.map((line) => {
      const name = /^\s*([A-Z][A-Z0-9_]*)\s*=/.exec(line)?.[1];
      if (!name || !pending.has(name)) return line;
      const value = pending.get(name)!;
      pending.delete(name);
      return `${name}='${value}'`;
    });
    for (const [name, value] of pending) out.push(`${name}='${value}'`);
    writeFileSync(file.path, out.join('\n') + '\n', { mode: 0o600 });
  }
  chmodSync(file.path, 0o600); // `mode` applies only when the file is created
}

/** `--name value` and `--flag` arguments after `npm run x --`. */
export function argsOf(argv: string[]): { flags: Set<string>; values: Map<string, string>; positional: string[] } {
  const flags = new Set<string>();
  const values = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) positional.push(arg);
    else if (arg.includes('=')) values.set(arg.slice(2, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1));
    else if (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--')) values.set(arg.slice(2), argv[++i]!);
    else flags.add(arg.slice(2));
  }
  return { flags, values, positional };
}

export function fail(message: string): never {
  console.error(message);
  process.exit(2);
}
