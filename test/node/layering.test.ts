/**
 * The import graph of src/ keeps its layering (STYLE.md 13):
 * - src/services never imports src/durable, except `import type` of a Durable Object binding
 *   (the bindings' interfaces live in src/bindings.ts, beside the env, so none is needed);
 * - orders -> payments one way: no cycle between services/orders and services/payments;
 * - src/env.ts does not import src/durable (the DO classes reach every file that reads the env);
 *   the binding interfaces it names (src/bindings.ts) reach neither src/durable nor the env.
 * The graph comes from TypeScript's own scanner over each file's import/export statements.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const SRC = join(ROOT, 'src');

interface Edge {
  to: string;
  typeOnly: boolean;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Every relative import or re-export of `file`, resolved to a file under src/, and whether it is type-only. */
function importsOf(file: string): Edge[] {
  const text = readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false);
  const edges: Edge[] = [];
  for (const statement of source.statements) {
    let specifier: ts.Expression | undefined;
    let typeOnly = false;
    if (ts.isImportDeclaration(statement)) {
      specifier = statement.moduleSpecifier;
      const clause = statement.importClause;
      typeOnly =
        clause !== undefined &&
        (clause.isTypeOnly ||
          (clause.name === undefined &&
            clause.namedBindings !== undefined &&
            ts.isNamedImports(clause.namedBindings) &&
            clause.namedBindings.elements.length > 0 &&
            clause.namedBindings.elements.every((e) => e.isTypeOnly)));
    } else if (ts.isExportDeclaration(statement) && statement.moduleSpecifier) {
      specifier = statement.moduleSpecifier;
      typeOnly =
        statement.isTypeOnly ||
        (statement.exportClause !== undefined &&
          ts.isNamedExports(statement.exportClause) &&
          statement.exportClause.elements.every((e) => e.isTypeOnly));
    }
    if (!specifier || !ts.isStringLiteral(specifier) || !specifier.text.startsWith('.')) continue;
    edges.push({ to: resolve(dirname(file), specifier.text), typeOnly });
  }
  // Dynamic imports count as value imports.
  const dynamic = /\bimport\(\s*['"](\.[^'"]+)['"]\s*\)/g;
  for (const m of text.matchAll(dynamic)) edges.push({ to: resolve(dirname(file), m[1]!), typeOnly: false });
  return edges;
}

const rel = (path: string) => relative(ROOT, path);

function graph(): Map<string, Edge[]> {
  const files = sourceFiles(SRC);
  return new Map(files.map((f) => [rel(f), importsOf(f).map((e) => ({ ...e, to: rel(e.to) }))]));
}

/** Strongly connected components of more than one file (Tarjan), over the edges `keep` accepts. */
function cycles(g: Map<string, Edge[]>, keep: (from: string, e: Edge) => boolean): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const e of g.get(v) ?? []) {
      if (!g.has(e.to) || !keep(v, e)) continue;
      if (!idx.has(e.to)) {
        visit(e.to);
        low.set(v, Math.min(low.get(v)!, low.get(e.to)!));
      } else if (onStack.has(e.to)) low.set(v, Math.min(low.get(v)!, idx.get(e.to)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      for (;;) {
        const w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
        if (w === v) break;
      }
      if (scc.length > 1) out.push(scc.sort());
    }
  };
  for (const v of g.keys()) if (!idx.has(v)) visit(v);
  return out;
}

const BINDINGS = 'src/bindings.ts';

describe('layering of src/ (import graph)', () => {
  const g = graph();

  it('the graph is read: it sees the files and their imports', () => {
    expect(g.size).toBeGreaterThan(100);
    expect(g.get('src/app.ts')?.length).toBeGreaterThan(3);
    // Resolution is right: every relative import names a file that exists.
    const missing = [...g].flatMap(([from, edges]) =>
      edges.filter((e) => !g.has(e.to)).map((e) => `${from} -> ${e.to}`),
    );
    expect(missing).toEqual([]);
  });

  it('src/services imports nothing from src/durable but the binding types', () => {
    const offending = [...g]
      .filter(([from]) => from.startsWith('src/services/'))
      .flatMap(([from, edges]) =>
        edges
          .filter((e) => e.to.startsWith('src/durable/') && !(e.to === BINDINGS && e.typeOnly))
          .map((e) => `${from} -> ${e.to}${e.typeOnly ? ' (type)' : ''}`),
      );
    expect(offending).toEqual([]);
  });

  it('no cycle between services/orders and services/payments (type imports included)', () => {
    const inOrders = (f: string) => f.startsWith('src/services/orders/');
    const inPayments = (f: string) => f.startsWith('src/services/payments/');
    const mixed = cycles(g, () => true).filter((scc) => scc.some(inOrders) && scc.some(inPayments));
    expect(mixed).toEqual([]);
    // And the direct edges go one way only.
    const back = [...g]
      .filter(([from]) => inPayments(from))
      .flatMap(([from, edges]) => edges.filter((e) => inOrders(e.to)).map((e) => `${from} -> ${e.to}`));
    expect(back).toEqual([]);
  });

  it('src/env.ts imports nothing from src/durable', () => {
    const edges = g.get('src/env.ts') ?? [];
    expect(edges.length).toBeGreaterThan(0);
    expect(edges.filter((e) => e.to.startsWith('src/durable/')).map((e) => e.to)).toEqual([]);
  });

  it('the binding types import no Durable Object class and nothing that reads the env', () => {
    expect(g.has(BINDINGS)).toBe(true);
    const reach = new Set<string>();
    const walk = (f: string) => {
      for (const e of g.get(f) ?? [])
        if (!reach.has(e.to)) {
          reach.add(e.to);
          walk(e.to);
        }
    };
    walk(BINDINGS);
    expect([...reach].filter((f) => f === 'src/env.ts' || f.startsWith('src/durable/'))).toEqual([]);
  });
});
