/**
 * Renders what each channel of one notification says, once, at insert. Null when neither a
 * template nor the producer's title/message exists for the type (the message is unusable).
 */
import type { ParsedNotificationMessage } from '../../queues/notification-messages.ts';
import type { NotificationChannel, RenderedContent } from './model.ts';
import { limit, LIMITS, renderHtml, renderText, textToHtml, variablesOf } from './render.ts';
import { chooseTemplate, type TemplateDocument } from './templates.ts';

export interface Composed {
  title: string;
  message: string;
  content: RenderedContent;
}

export function compose(
  msg: ParsedNotificationMessage,
  channels: readonly NotificationChannel[],
  language: string | null | undefined,
  tenantTemplates: readonly TemplateDocument[],
): Composed | null {
  const vars = variablesOf(msg.data, msg.variables);
  const pick = (channel: NotificationChannel) => chooseTemplate(tenantTemplates, msg.type, channel, language, msg);
  const inApp = pick('IN_APP');
  if (!inApp) return null;
  const content: RenderedContent = { locale: inApp.locale, source: inApp.source };
  for (const channel of channels) {
    const t = channel === 'IN_APP' ? inApp : pick(channel)!;
    const title = renderText(t.title, vars).trim();
    const body = renderText(t.body, vars).trim();
    if (channel === 'EMAIL') {
      content.EMAIL = {
        subject: limit(title, LIMITS.emailSubject, true),
        text: body,
        html: t.html ? renderHtml(t.html, vars) : textToHtml(body),
      };
    } else if (channel === 'SMS') {
      content.SMS = { body: limit(body, LIMITS.smsBody) };
    } else if (channel === 'PUSH') {
      content.PUSH = { title: limit(title, LIMITS.pushTitle, true), body: limit(body, LIMITS.pushBody) };
    }
  }
  return {
    title: limit(renderText(inApp.title, vars).trim(), LIMITS.inAppTitle, true),
    message: limit(renderText(inApp.body, vars).trim(), LIMITS.inAppMessage),
    content,
  };
}
