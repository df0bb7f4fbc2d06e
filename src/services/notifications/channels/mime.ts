/**
 * A multipart/alternative e-mail (RFC 2045/2046/5322) with a text and an HTML part, both
 * UTF-8 and base64 (no line can be too long, no byte needs escaping). Header values that are
 * not plain ASCII are RFC 2047 encoded-words; CR/LF in them is removed, so no value can add a
 * header.
 */
import { utf8 } from '../../../lib/bytes.ts';

export interface MimeInput {
  from: string;
  fromName?: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  messageId: string;
  date?: Date;
  headers?: Record<string, string>;
}

function base64Lines(text: string): string {
  const bytes = utf8(text);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return (btoa(bin).match(/.{1,76}/g) ?? ['']).join('\r\n');
}

const oneLine = (v: string) => v.replace(/[\r\n]+/g, ' ');

function encodeHeaderValue(value: string): string {
  const clean = oneLine(value);
  if (/^[\x20-\x7e]*$/.test(clean)) return clean;
  // Encoded-words of at most ~45 source bytes each, split on code points.
  const words: string[] = [];
  let chunk = '';
  for (const ch of clean) {
    if (utf8(chunk + ch).length > 45) {
      words.push(chunk);
      chunk = '';
    }
    chunk += ch;
  }
  if (chunk) words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${base64Lines(w).replace(/\r\n/g, '')}?=`).join('\r\n ');
}

export function buildMime(m: MimeInput): string {
  const boundary = `=_alt_${crypto.randomUUID().replace(/-/g, '')}`;
  const from = m.fromName ? `${encodeHeaderValue(m.fromName.replace(/["\\]/g, ''))} <${m.from}>` : m.from;
  const headers = [
    `From: ${from}`,
    `To: ${oneLine(m.to)}`,
    `Subject: ${encodeHeaderValue(m.subject)}`,
    `Message-ID: ${m.messageId}`,
    `Date: ${(m.date ?? new Date()).toUTCString()}`,
    'MIME-Version: 1.0',
    ...Object.entries(m.headers ?? {}).map(([k, v]) => `${k.replace(/[^A-Za-z0-9-]/g, '')}: ${encodeHeaderValue(v)}`),
    `Content-Type: multipart/alternative; boundary="${boundary}"`,
  ];
  const part = (type: string, body: string) =>
    [
      `--${boundary}`,
      `Content-Type: ${type}; charset=UTF-8`,
      'Content-Transfer-Encoding: base64',
      '',
      base64Lines(body),
    ].join('\r\n');
  return [...headers, '', part('text/plain', m.text), part('text/html', m.html), `--${boundary}--`, ''].join('\r\n');
}
