/** Sets `key` at the young end of an insertion-ordered map and drops the oldest entries past `max` (a small LRU for per-isolate memos). */
export function setBounded<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  while (map.size > max) map.delete(map.keys().next().value as K);
}
