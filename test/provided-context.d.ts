/** Values the global setup (test/setup/global-setup.ts) provides to the tests. */
declare module 'vitest' {
  export interface ProvidedContext {
    /** The Worker's bindings for the test stack (database URLs, Data API URL and key, secrets). */
    bindings: Record<string, string>;
    ownerDatabaseUrl: string;
    mongoUri: string;
    /** The local OpenID Connect issuer that stands in for social sign-in providers. */
    oidc: { issuer: string; audience: string; privateJwk: Record<string, unknown> };
  }
}
export {};
