/**
 * A local OpenID Connect issuer for tests and development of social sign-in: it
 * serves a JWKS over HTTP (what the Worker fetches, exactly like Google's or
 * GitHub's) and hands its private key to whoever mints ID tokens for tests.
 */
import { webcrypto } from 'node:crypto';
import { createServer } from 'node:http';

export interface LocalIssuer {
  issuer: string;
  jwksUrl: string;
  /** Private signing key (JWK with kid, alg RS256): tests sign ID tokens with it. */
  privateJwk: Record<string, unknown>;
  stop(): Promise<void>;
}

export async function startOidcIssuer(): Promise<LocalIssuer> {
  const pair = await webcrypto.subtle.generateKey(
    { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    true,
    ['sign', 'verify'],
  );
  const kid = `local-${Date.now().toString(36)}`;
  const publicJwk = { ...(await webcrypto.subtle.exportKey('jwk', pair.publicKey)), kid, alg: 'RS256', use: 'sig' };
  const privateJwk = { ...(await webcrypto.subtle.exportKey('jwk', pair.privateKey)), kid, alg: 'RS256' };
  const server = createServer((req, res) => {
    if (req.url === '/.well-known/jwks.json') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [publicJwk] }));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const issuer = `http://127.0.0.1:${port}`;
  return {
    issuer,
    jwksUrl: `${issuer}/.well-known/jwks.json`,
    privateJwk,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
