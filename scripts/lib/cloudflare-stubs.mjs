// Stand-ins for the workerd built-in modules (`cloudflare:workers`, `cloudflare:email`), so Node
// can import the Worker's app to read its OpenAPI document (scripts/lib/client-codegen.ts).
// Nothing here runs: the document is built from route definitions only.
export class DurableObject {
  constructor(ctx, env) {
    this.ctx = ctx;
    this.env = env;
  }
}
export class WorkerEntrypoint {}
export class EmailMessage {}
export const env = {};
