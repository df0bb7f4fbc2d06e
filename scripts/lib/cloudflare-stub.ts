/**
 * Stand-ins for the Workers runtime modules (`cloudflare:workers`, `cloudflare:email`)
 * when Worker code is imported in Node only to read its route definitions (the OpenAPI
 * document for `npm run docs:scopes` and its test). Nothing here runs a request.
 */
export class DurableObject {
  constructor(
    protected readonly ctx: unknown,
    protected readonly env: unknown,
  ) {}
}

export class WorkerEntrypoint {}

export class EmailMessage {
  constructor(
    readonly from: string,
    readonly to: string,
    readonly raw: unknown,
  ) {}
}

export const env = {};
