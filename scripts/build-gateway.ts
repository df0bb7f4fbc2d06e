/**
 * `npm run gateway:build`: the Data API gateway as one file with its dependencies inside
 * (gateway/dist/data-api-gateway.mjs, ~1.4 MB), to run with a plain `node` anywhere: no
 * npm install, no TypeScript. The container file (gateway/Dockerfile) copies just this file.
 * The MongoDB driver's optional native add-ons (Kerberos, compression, client-side
 * encryption, AWS/GCP credentials) stay out; the driver works without them.
 */
import { build } from 'esbuild';

const outfile = process.argv[2] ?? 'gateway/dist/data-api-gateway.mjs';
await build({
  entryPoints: ['gateway/main.ts'],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  minify: true,
  legalComments: 'eof',
  external: [
    'kerberos',
    '@mongodb-js/zstd',
    'snappy',
    'mongodb-client-encryption',
    '@aws-sdk/credential-providers',
    'gcp-metadata',
    'socks',
    'aws4',
  ],
  // The driver's CommonJS parts call require(); give the ES module one.
  banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  logLevel: 'warning',
});
console.log(`gateway:build: wrote ${outfile}`);
