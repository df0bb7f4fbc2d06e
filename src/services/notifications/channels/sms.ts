/**
 * SMS through an HTTP provider with Twilio's Messages API shape:
 * `POST {base}/2010-04-01/Accounts/{AccountSid}/Messages.json`, HTTP basic auth
 * (AccountSid:AuthToken), form body `To`, `From`, `Body`; 201 with `{ sid }`.
 * The base URL is configurable (Twilio's, a compatible provider's, or the local test server).
 */
import { ChannelSkipped, type ChannelSender } from './sender.ts';

export interface SmsConfig {
  baseUrl: string;
  accountSid: string;
  authToken: string;
  from: string;
  timeoutMs?: number;
}

export function twilioSmsSender(cfg: SmsConfig): ChannelSender {
  const url = `${cfg.baseUrl.replace(/\/+$/, '')}/2010-04-01/Accounts/${encodeURIComponent(cfg.accountSid)}/Messages.json`;
  const authorization = `Basic ${btoa(`${cfg.accountSid}:${cfg.authToken}`)}`;
  return {
    async send(n) {
      const to = n.recipient?.phone;
      const body = n.content.SMS?.body;
      if (!to) throw new ChannelSkipped('no-phone');
      if (!body) throw new ChannelSkipped('no-content');
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          authorization,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
          // Twilio de-duplicates retried requests carrying the same token.
          'i-twilio-idempotency-token': `${n.notificationId}-sms`,
        },
        body: new URLSearchParams({ To: to, From: cfg.from, Body: body }),
        signal: AbortSignal.timeout(cfg.timeoutMs ?? 10_000),
      });
      const payload = (await res.json().catch(() => null)) as { sid?: unknown; message?: unknown } | null;
      if (!res.ok || typeof payload?.sid !== 'string') {
        throw new Error(
          `SMS provider answered ${res.status}${typeof payload?.message === 'string' ? `: ${payload.message}` : ''}`,
        );
      }
      return { providerMessageId: payload.sid };
    },
  };
}
