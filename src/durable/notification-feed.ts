/**
 * NotificationFeed: one Durable Object per user (`idFromName(tenantId:userId)`) holding that
 * user's open live-feed WebSockets with the Hibernation API (`ctx.acceptWebSocket`), so idle
 * sockets cost no duration. The queue consumer calls `publish` after storing an IN_APP
 * notification; every open socket of the user gets it. Each socket carries the expiry of the
 * access token it was opened with (its attachment); an alarm closes it then (4001), and
 * `disconnectAll` closes every socket (account locked) and remembers when: a token issued
 * before that (`x-feed-issued-at`) opens nothing afterwards, even if its connect raced the lock.
 */
import { DurableObject } from 'cloudflare:workers';

import type { NotificationFeedMethods } from '../bindings.ts';
import type { Env } from '../env.ts';

interface SocketInfo {
  /** Epoch ms when the token that opened the socket expires. */
  expiresAt: number;
}

const FEED_CLOSE = { tokenExpired: 4001, revoked: 4003 } as const;

/** Storage key: epoch ms of the last `disconnectAll`. */
const REVOKED_AT = 'revokedAt';

export class NotificationFeed extends DurableObject<Env> implements NotificationFeedMethods {
  /** Internal: the Worker has authenticated the caller; `x-feed-expires-at` is the token's expiry (epoch ms). */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket')
      return new Response('expected a WebSocket upgrade', { status: 426 });
    const expiresAt = Number(request.headers.get('x-feed-expires-at'));
    if (!Number.isFinite(expiresAt) || expiresAt <= Date.now()) return new Response('token expired', { status: 401 });
    const issuedAt = Number(request.headers.get('x-feed-issued-at'));
    const revokedAt = (await this.ctx.storage.get<number>(REVOKED_AT)) ?? 0;
    if (!Number.isFinite(issuedAt) || issuedAt * 1000 < revokedAt)
      return new Response('the session was revoked; sign in again', { status: 401 });
    // A ticket opens one socket: its id is spent here, in the user's own object (single writer).
    const ticketId = request.headers.get('x-feed-ticket-id');
    if (ticketId) {
      const key = `ticket:${ticketId}`;
      if (await this.ctx.storage.get(key)) return new Response('ticket already used', { status: 401 });
      await this.ctx.storage.put(key, Date.now() + 120_000);
    }
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    server.serializeAttachment({ expiresAt } satisfies SocketInfo);
    server.send(JSON.stringify({ type: 'ready', expiresAt: new Date(expiresAt).toISOString() }));
    await this.scheduleExpiry();
    return new Response(null, { status: 101, webSocket: client });
  }

  /** Sends a message to every open socket of the user; returns how many got it. */
  async publish(message: unknown): Promise<number> {
    const text = JSON.stringify(message);
    let sent = 0;
    for (const ws of this.openSockets()) {
      try {
        ws.send(text);
        sent++;
      } catch {
        // a socket closing right now: nothing to deliver to
      }
    }
    return sent;
  }

  /** Closes every socket (e.g. the account was locked). */
  async disconnectAll(reason = 'revoked'): Promise<number> {
    await this.ctx.storage.put(REVOKED_AT, Date.now());
    const sockets = this.ctx.getWebSockets();
    for (const ws of sockets) ws.close(FEED_CLOSE.revoked, reason);
    return sockets.length;
  }

  async connections(): Promise<number> {
    return this.ctx.getWebSockets().length;
  }

  override async alarm(): Promise<void> {
    this.openSockets();
    const spent = await this.ctx.storage.list<number>({ prefix: 'ticket:' });
    const stale = [...spent].filter(([, until]) => until <= Date.now()).map(([k]) => k);
    if (stale.length > 0) await this.ctx.storage.delete(stale);
    await this.scheduleExpiry();
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    if (message === 'ping') ws.send('pong');
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
    } catch {
      // already closed
    }
  }

  /** Live sockets; closes (4001) those whose token has expired. */
  private openSockets(): WebSocket[] {
    const now = Date.now();
    const open: WebSocket[] = [];
    for (const ws of this.ctx.getWebSockets()) {
      const info = ws.deserializeAttachment() as SocketInfo | null;
      if (!info || info.expiresAt <= now) {
        try {
          ws.close(FEED_CLOSE.tokenExpired, 'token expired');
        } catch {
          // already closing
        }
      } else open.push(ws);
    }
    return open;
  }

  private async scheduleExpiry(): Promise<void> {
    const next = Math.min(
      ...this.ctx.getWebSockets().map((ws) => (ws.deserializeAttachment() as SocketInfo | null)?.expiresAt ?? Infinity),
    );
    if (Number.isFinite(next)) await this.ctx.storage.setAlarm(next);
  }
}
