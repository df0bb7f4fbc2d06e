/**
 * Tenant templates (`notification_templates`, unique per tenantId + type + channel + locale,
 * changeset 010) and the fallback that picks one: the user's language (exact tag, then its
 * base language), then the tenant's `default` locale, then the built-in template (base
 * language, then `en`), then the producer's own title/message.
 */
import type { ObjectId } from 'bson';

import type { DataApiClient, DataApiCollection } from '../../db/mongo/client.ts';
import { callerOf, type ServiceContext } from '../context.ts';
import { BUILT_IN_TEMPLATES } from './defaults.ts';
import { notificationErrors } from './errors.ts';
import type { NotificationChannel } from './model.ts';
import { LIMITS, placeholders } from './render.ts';

/** The tenant-wide fallback locale of a template. */
const DEFAULT_LOCALE = 'default';

export interface TemplateDocument {
  _id: ObjectId;
  tenantId: string;
  type: string;
  channel: NotificationChannel;
  /** BCP 47 tag (`en`, `pt-BR`) or `default`. */
  locale: string;
  /** E-mail subject, push / in-app title; unused by SMS. */
  title: string;
  /** Plain text body (the e-mail text part, SMS text, push and in-app message). */
  body: string;
  /** E-mail only: the HTML part (placeholders are HTML-escaped); generated from `body` when null. */
  html: string | null;
  updatedAt: Date;
  updatedBy: string;
}

export interface TemplateInput {
  title: string;
  body: string;
  html?: string | null;
}

export interface TemplateKey {
  type: string;
  channel: NotificationChannel;
  locale: string;
}

const templatesOf = (mongo: DataApiClient): DataApiCollection<TemplateDocument> =>
  mongo.collection<TemplateDocument>('notification_templates');

function templateView(doc: TemplateDocument) {
  return {
    type: doc.type,
    channel: doc.channel,
    locale: doc.locale,
    title: doc.title,
    body: doc.body,
    html: doc.html ?? null,
    updatedAt: doc.updatedAt.toISOString(),
    updatedBy: doc.updatedBy,
  };
}
export type TemplateView = ReturnType<typeof templateView>;

/** Refuses placeholders with odd syntax (`{{ }}` left unbalanced) and bodies the channel cannot carry. */
export function validateTemplate(channel: NotificationChannel, input: TemplateInput): void {
  for (const field of ['title', 'body', 'html'] as const) {
    const text = input[field];
    if (typeof text !== 'string') continue;
    const opens = text.split('{{').length - 1;
    if (opens !== placeholders(text).length)
      throw notificationErrors.invalidTemplate(`body.${field}`, 'every {{ must be a {{name}} placeholder');
  }
  if (input.html && channel !== 'EMAIL')
    throw notificationErrors.invalidTemplate('body.html', 'only EMAIL templates have an HTML part');
  if (channel === 'SMS' && input.body.length > LIMITS.smsBody)
    throw notificationErrors.invalidTemplate('body.body', `at most ${LIMITS.smsBody} characters for SMS`);
  if (channel === 'PUSH' && input.body.length > LIMITS.pushBody)
    throw notificationErrors.invalidTemplate('body.body', `at most ${LIMITS.pushBody} characters for PUSH`);
}

export async function listTemplates(ctx: ServiceContext, filter: Partial<TemplateKey>): Promise<TemplateView[]> {
  const docs = await templatesOf(ctx.stores.mongo()).find(
    { tenantId: ctx.tenantId, ...filter },
    { sort: { type: 1, channel: 1, locale: 1 }, limit: 500 },
  );
  return docs.map(templateView);
}

export async function getTemplate(ctx: ServiceContext, key: TemplateKey): Promise<TemplateView> {
  const doc = await templatesOf(ctx.stores.mongo()).findOne({ tenantId: ctx.tenantId, ...key });
  if (!doc) throw notificationErrors.templateNotFound();
  return templateView(doc);
}

/** Creates or replaces (the caller is recorded as its author); `created` tells which. */
export async function putTemplate(
  ctx: ServiceContext,
  { key, template: input }: { key: TemplateKey; template: TemplateInput },
): Promise<{ template: TemplateView; created: boolean }> {
  validateTemplate(key.channel, input);
  const tenantId = ctx.tenantId;
  const actor = callerOf(ctx).userId;
  const templates = templatesOf(ctx.stores.mongo());
  const set = {
    title: input.title,
    body: input.body,
    html: input.html ?? null,
    updatedAt: new Date(),
    updatedBy: actor,
  };
  const res = await templates.updateOne(
    { tenantId, ...key },
    { $set: set, $setOnInsert: { tenantId, ...key } },
    { upsert: true },
  );
  return {
    template: templateView({ _id: undefined as never, tenantId, ...key, ...set }),
    created: res.upsertedId !== undefined,
  };
}

export async function deleteTemplate(ctx: ServiceContext, key: TemplateKey): Promise<void> {
  const { deletedCount } = await templatesOf(ctx.stores.mongo()).deleteOne({ tenantId: ctx.tenantId, ...key });
  if (deletedCount === 0) throw notificationErrors.templateNotFound();
}

/** A template chosen for one channel, and where it came from. */
export interface ChosenTemplate {
  title: string;
  body: string;
  html: string | null;
  locale: string;
  source: 'tenant' | 'built-in' | 'message';
}

/** `pt-BR` -> [`pt-BR`, `pt`]. */
function languageChain(language: string | null | undefined): string[] {
  const tag = (language ?? '').trim();
  if (!tag) return [];
  const base = tag.split('-')[0]!.toLowerCase();
  return tag.toLowerCase() === base ? [base] : [tag, base];
}

/** Tenant templates of some types, loaded once per tenant per queue batch. */
export async function loadTenantTemplates(ctx: ServiceContext, types: string[]): Promise<TemplateDocument[]> {
  return templatesOf(ctx.stores.mongo()).find(
    { tenantId: ctx.tenantId, type: { $in: [...new Set(types)] } },
    { limit: 1000 },
  );
}

export function chooseTemplate(
  tenantTemplates: readonly TemplateDocument[],
  type: string,
  channel: NotificationChannel,
  language: string | null | undefined,
  fallback: { title?: string; message?: string },
): ChosenTemplate | null {
  const chain = languageChain(language);
  const lower = (s: string) => s.toLowerCase();
  for (const locale of [...chain, DEFAULT_LOCALE]) {
    const hit = tenantTemplates.find(
      (t) => t.type === type && t.channel === channel && lower(t.locale) === lower(locale),
    );
    if (hit) return { title: hit.title, body: hit.body, html: hit.html ?? null, locale: hit.locale, source: 'tenant' };
  }
  const builtIn = BUILT_IN_TEMPLATES[type];
  if (builtIn) {
    const locale = chain.find((l) => builtIn[l]) ?? 'en';
    const t = builtIn[locale]!;
    return { title: t.title, body: t.body, html: null, locale, source: 'built-in' };
  }
  if (fallback.title && fallback.message)
    return { title: fallback.title, body: fallback.message, html: null, locale: 'und', source: 'message' };
  return null;
}
