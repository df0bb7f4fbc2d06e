/**
 * A per-isolate memo in front of `caches.default` for the hottest anonymous catalog reads.
 *
 * A Cache API hit costs round trips to the data center's cache: the entry and the generations
 * of its tags (cache-tags.ts), and a second trip for tags learned from the body (a product read
 * by slug). The memo keeps, in this isolate's memory, the entries it served and the tag
 * generations it read, each with the time it read them. An entry is answered from memory only
 * while it is fresh (s-maxage) and every generation it was stored with was confirmed, by a read
 * of the cache or a purge made in this isolate, less than `memoMs` ago.
 *
 * Staleness: a purge made in this isolate applies at once (it replaces the generations here
 * too); a purge made elsewhere (another isolate of this data center, a Durable Object or queue
 * consumer running in another process) is seen within `memoMs` (EDGE_CACHE_MEMO_MS, default
 * 1000; 0 turns the memo off). Memory is bounded: at most MAX_ENTRIES entries of at most
 * MAX_BODY_BYTES each, and MAX_GENERATIONS generations; the oldest go first.
 */

import { setBounded } from '../../lib/bounded-map.ts';

const MAX_ENTRIES = 500;
const MAX_BODY_BYTES = 256 * 1024;
const MAX_GENERATIONS = 5000;

export interface MemoEntry {
  body: ArrayBuffer;
  headers: Array<[string, string]>;
  tags: string[];
  gens: string[];
  storedAt: number;
}

const entries = new Map<string, MemoEntry>();
const generations = new Map<string, { gen: string | null; at: number }>();

/** Generations just read from the cache (or written by a purge here), confirmed at `now`. */
export function rememberGenerations(tags: readonly string[], gens: ReadonlyArray<string | null>, now: number): void {
  tags.forEach((tag, i) => {
    // A read that started before a purge made here must not put the old generation back.
    if ((generations.get(tag)?.at ?? -Infinity) > now) return;
    setBounded(generations, tag, { gen: gens[i] ?? null, at: now }, MAX_GENERATIONS);
  });
}

/** An entry just read from or written to the cache. Large bodies are not kept. */
export function rememberEntry(key: string, entry: MemoEntry): void {
  if (entry.body.byteLength > MAX_BODY_BYTES) return;
  setBounded(entries, key, entry, MAX_ENTRIES);
}

/**
 * The memo's entry for `key` when it may be served without asking the cache: fresh
 * (`now - storedAt <= freshMs`) and every tag's generation confirmed within `memoMs` and
 * unchanged. Anything else returns null (and the caller asks the cache).
 */
export function memoizedEntry(key: string, now: number, freshMs: number, memoMs: number): MemoEntry | null {
  if (memoMs <= 0) return null;
  const entry = entries.get(key);
  if (!entry) return null;
  if (!(now - entry.storedAt <= freshMs)) {
    entries.delete(key);
    return null;
  }
  for (let i = 0; i < entry.tags.length; i++) {
    const known = generations.get(entry.tags[i]!);
    if (!known || now - known.at > memoMs) return null; // not confirmed recently: ask the cache
    if (known.gen !== entry.gens[i]) {
      entries.delete(key); // purged
      return null;
    }
  }
  return entry;
}
