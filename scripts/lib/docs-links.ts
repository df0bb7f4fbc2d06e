/**
 * Relative links of the Markdown docs (README.md, docs/*.md) and what they point at: every
 * `[text](path)`, `[text](path#anchor)` and `[text](#anchor)` outside code must name a file of the
 * repository and, for a Markdown target, a heading of it (GitHub's anchor for that heading).
 * test/node/docs-links.test.ts runs it over every doc, so a moved section cannot leave a dead link.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

export interface BrokenLink {
  file: string;
  line: number;
  target: string;
  reason: string;
}

/** The lines of a Markdown text outside fenced code blocks, with their 1-based numbers. */
function proseLines(text: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  let fence: string | null = null;
  text.split('\n').forEach((raw, i) => {
    const open = /^\s*(`{3,}|~{3,})/.exec(raw);
    if (fence) {
      if (open && open[1]!.startsWith(fence)) fence = null;
      return;
    }
    if (open) {
      fence = open[1]!;
      return;
    }
    out.push({ line: i + 1, text: raw });
  });
  return out;
}

/** A line without its code spans (`` `a` ``, ```` ``x`` ````): what they hold is not a link. */
function withoutCodeSpans(line: string): string {
  let out = '';
  let i = 0;
  while (i < line.length) {
    const run = /^`+/.exec(line.slice(i));
    if (!run) {
      out += line[i++];
      continue;
    }
    const close = line.indexOf(run[0], i + run[0].length);
    if (close < 0) {
      out += run[0];
      i += run[0].length;
      continue;
    }
    out += ' ';
    i = close + run[0].length;
  }
  return out;
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
export function slug(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** Every anchor a Markdown text offers: its headings (repeats get -1, -2...) and `<a id|name>`. */
export function anchorsOf(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const { text: line } of proseLines(text)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) {
      const base = slug(heading[1]!);
      const n = seen.get(base) ?? 0;
      seen.set(base, n + 1);
      anchors.add(n === 0 ? base : `${base}-${n}`);
    }
    for (const a of line.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(a[1]!);
  }
  return anchors;
}

/** The links of a Markdown text outside code, with their lines. */
export function linksOf(text: string): { line: number; target: string }[] {
  const links: { line: number; target: string }[] = [];
  for (const { line, text: raw } of proseLines(text)) {
    for (const m of withoutCodeSpans(raw).matchAll(/!?\[(?:[^\]]|\][^(])*?\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g))
      links.push({ line, target: m[1]! });
  }
  return links;
}

/** The broken relative links of `files` (paths relative to `root`). */
export function brokenLinks(root: string, files: string[]): BrokenLink[] {
  const broken: BrokenLink[] = [];
  const anchorCache = new Map<string, Set<string>>();
  const anchors = (file: string) => {
    if (!anchorCache.has(file)) anchorCache.set(file, anchorsOf(readFileSync(join(root, file), 'utf8')));
    return anchorCache.get(file)!;
  };
  for (const file of files) {
    for (const { line, target } of linksOf(readFileSync(join(root, file), 'utf8'))) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:: not ours to check
      const [path, anchor] = target.split('#', 2) as [string, string | undefined];
      const resolved = path ? normalize(relative(root, join(root, dirname(file), decodeURI(path)))) : file;
      if (resolved.startsWith('..') || !existsSync(join(root, resolved))) {
        broken.push({ file, line, target, reason: `no file ${resolved}` });
        continue;
      }
      if (anchor === undefined) continue;
      if (!resolved.endsWith('.md')) {
        broken.push({ file, line, target, reason: `an anchor into ${resolved}, which is not Markdown` });
      } else if (!anchors(resolved).has(anchor)) {
        broken.push({ file, line, target, reason: `no heading #${anchor} in ${resolved}` });
      }
    }
  }
  return broken;
}
