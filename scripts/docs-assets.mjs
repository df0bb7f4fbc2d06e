// Copies the docs UI (Swagger UI from the swagger-ui-dist npm package) into .assets/docs,
// the Workers static assets directory of wrangler.toml ([assets]), so /docs works offline
// and needs no CDN. Run by npm's postinstall, predev and pretest; plain JavaScript so any
// Node runs it. .assets/ is generated: git-ignored.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const target = join(root, '.assets', 'docs');
const dist = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
const version = JSON.parse(readFileSync(join(dist, 'package.json'), 'utf8')).version;

mkdirSync(target, { recursive: true });
for (const file of ['swagger-ui-bundle.js', 'swagger-ui.css', 'favicon-32x32.png', 'LICENSE']) {
  copyFileSync(join(dist, file), join(target, file));
}
// The initializer is a file, not an inline script, so the page's CSP can forbid inline scripts.
writeFileSync(
  join(target, 'init.js'),
  `window.ui = SwaggerUIBundle({ url: '/api/v1/openapi.json', dom_id: '#ui', deepLinking: true, tryItOutEnabled: false });\n`,
);
writeFileSync(join(target, 'VERSION'), `swagger-ui-dist ${version}\n`);
