/**
 * EMAIL through Cloudflare Email Service: the `send_email` binding (`[[send_email]] name =
 * "EMAIL"`), which `wrangler dev` and Miniflare simulate locally. The message is our own
 * multipart/alternative MIME (mime.ts); the binding's message id is the provider message id.
 */
import { EmailMessage } from 'cloudflare:email';

import { buildMime } from './mime.ts';
import { ChannelSkipped, type ChannelSender } from './sender.ts';

export interface EmailConfig {
  binding: SendEmail;
  from: string;
  fromName?: string;
}

export function emailSender(cfg: EmailConfig): ChannelSender {
  const domain = cfg.from.split('@')[1] ?? 'localhost';
  return {
    async send(n) {
      const to = n.recipient?.email;
      const content = n.content.EMAIL;
      if (!to) throw new ChannelSkipped('no-address');
      if (!content) throw new ChannelSkipped('no-content');
      const raw = buildMime({
        from: cfg.from,
        fromName: cfg.fromName,
        to,
        subject: content.subject,
        text: content.text,
        html: content.html,
        // Stable per (notification, channel): a resent e-mail is recognisable as the same one.
        messageId: `<${n.notificationId}.email@${domain}>`,
        headers: { 'X-Notification-Type': n.type, 'X-Notification-Id': n.notificationId },
      });
      const result = await cfg.binding.send(new EmailMessage(cfg.from, to, raw));
      return { providerMessageId: result?.messageId ?? `<${n.notificationId}.email@${domain}>` };
    },
  };
}
