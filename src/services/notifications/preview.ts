/** Renders a template (saved, built-in, or given) with sample or given variables, as a channel would send it. */
import type { ServiceContext } from '../context.ts';
import { notificationErrors } from './errors.ts';
import type { NotificationChannel } from './model.ts';
import { limit, LIMITS, renderHtml, renderText, textToHtml, variablesOf, type Variables } from './render.ts';
import { chooseTemplate, loadTenantTemplates, validateTemplate, type TemplateInput } from './templates.ts';

const SAMPLE_VARIABLES: Variables = {
  orderNumber: 'ORD-1001',
  orderId: '00000000-0000-4000-8000-000000001001',
  total: '59.90',
  amount: '59.90',
  currency: 'USD',
  trackingNumber: '1Z999AA10123456784',
  reason: 'Requested by the customer.',
  productName: 'Sample product',
  note: 'Thank you for your feedback.',
  response: 'Thanks for the review!',
  keyName: 'ci-deploy',
  keyPrefix: 'ek_0123',
  network: '203.0.113.0/24',
  device: 'Firefox on Linux',
};

export interface PreviewInput {
  type: string;
  channel: NotificationChannel;
  locale: string;
  template?: TemplateInput;
  variables?: Variables;
}

export async function previewTemplate(ctx: ServiceContext, input: PreviewInput) {
  let chosen: {
    title: string;
    body: string;
    html: string | null;
    locale: string;
    source: 'tenant' | 'built-in' | 'message' | 'request';
  } | null;
  if (input.template) {
    validateTemplate(input.channel, input.template);
    chosen = {
      title: input.template.title,
      body: input.template.body,
      html: input.template.html ?? null,
      locale: input.locale,
      source: 'request',
    };
  } else {
    chosen = chooseTemplate(await loadTenantTemplates(ctx, [input.type]), input.type, input.channel, input.locale, {});
  }
  if (!chosen) throw notificationErrors.templateNotFound();
  const vars = variablesOf(SAMPLE_VARIABLES, input.variables);
  const title = renderText(chosen.title, vars);
  const text = renderText(chosen.body, vars);
  const shaped = {
    EMAIL: {
      title: limit(title, LIMITS.emailSubject, true),
      text,
      html: chosen.html ? renderHtml(chosen.html, vars) : textToHtml(text),
    },
    SMS: { title: '', text: limit(text, LIMITS.smsBody), html: null },
    PUSH: { title: limit(title, LIMITS.pushTitle, true), text: limit(text, LIMITS.pushBody), html: null },
    IN_APP: { title: limit(title, LIMITS.inAppTitle, true), text: limit(text, LIMITS.inAppMessage), html: null },
  }[input.channel];
  return { source: chosen.source, locale: chosen.locale, ...shaped };
}
