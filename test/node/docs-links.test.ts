import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { anchorsOf, brokenLinks, linksOf, slug } from '../../scripts/lib/docs-links.ts';
import { EXAMPLE_FILES, markdownFiles, runnableBlocks } from '../../scripts/readme-examples.ts';

const ROOT = resolve(import.meta.dirname, '../..');

describe('the docs link to what exists', () => {
  it('every relative link and #anchor of README.md and docs/*.md resolves', () => {
    const files = markdownFiles();
    expect(files).toEqual(expect.arrayContaining(['README.md', 'docs/api.md', 'docs/checkout.md']));
    const broken = brokenLinks(ROOT, files).map((b) => `${b.file}:${b.line} ${b.target}: ${b.reason}`);
    expect(broken).toEqual([]);
  });

  it('the README links every file of docs/', () => {
    const readmeLinks = new Set(linksOf(readFileText('README.md')).map((l) => l.target.split('#')[0]));
    const unlinked = markdownFiles().filter((f) => f !== 'README.md' && !readmeLinks.has(f));
    expect(unlinked).toEqual([]);
  });

  it('runs the runnable examples in the stated order, and every file that has some is in it', () => {
    const order: readonly string[] = EXAMPLE_FILES;
    const places = runnableBlocks().map((b) => order.indexOf(b.file));
    expect(places.length).toBeGreaterThanOrEqual(6);
    expect(places).not.toContain(-1);
    expect(places).toEqual([...places].sort((a, b) => a - b));
    // The API guide's sign-in block comes first: later blocks use its B and TOKEN.
    expect(runnableBlocks()[0]!.file).toBe('docs/api.md');
    // The README states the same order (Commands, npm run docs:examples).
    expect(readFileText('README.md')).toContain(`in this order: ${EXAMPLE_FILES.join(', ')}`);
  });
});

describe('the link checker', () => {
  const dir = mkdtempSync(join(tmpdir(), 'docs-links-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('computes GitHub anchors, repeats numbered', () => {
    expect(slug('What `npm run dev` starts')).toBe('what-npm-run-dev-starts');
    expect(slug("Users (`/users/me/...`, the caller's own data)")).toBe('users-usersme-the-callers-own-data');
    expect(slug('5. Deploy, first admin, smoke')).toBe('5-deploy-first-admin-smoke');
    expect(slug('Catalog (`BENCH_ONLY=catalog npm run bench`)')).toBe('catalog-bench_onlycatalog-npm-run-bench');
    expect([...anchorsOf('# A\n## Setup\n```\n# not a heading\n```\n## Setup\n<a id="x"></a>')]).toEqual([
      'a',
      'setup',
      'setup-1',
      'x',
    ]);
  });

  it('finds a missing file, a missing anchor and an anchor into a non-Markdown file; ignores code and URLs', () => {
    mkdirSync(join(dir, 'docs'), { recursive: true });
    writeFileSync(join(dir, 'code.ts'), '');
    writeFileSync(join(dir, 'docs/b.md'), '# B\n## Real part\n');
    writeFileSync(
      join(dir, 'README.md'),
      [
        '# Top',
        '[ok](docs/b.md#real-part) [ok](#top) [web](https://example.com/x#y) [ok](code.ts)',
        '[gone](docs/c.md) [stale](docs/b.md#old-part) [self](#nowhere) [ts](code.ts#L3)',
        '`[not a link](nowhere.md)` and',
        '```md',
        '[in a fence](nowhere.md)',
        '```',
      ].join('\n'),
    );
    expect(brokenLinks(dir, ['README.md', 'docs/b.md']).map((b) => [b.line, b.target, b.reason])).toEqual([
      [3, 'docs/c.md', 'no file docs/c.md'],
      [3, 'docs/b.md#old-part', 'no heading #old-part in docs/b.md'],
      [3, '#nowhere', 'no heading #nowhere in README.md'],
      [3, 'code.ts#L3', 'an anchor into code.ts, which is not Markdown'],
    ]);
  });
});

function readFileText(file: string): string {
  return readFileSync(join(ROOT, file), 'utf8');
}
