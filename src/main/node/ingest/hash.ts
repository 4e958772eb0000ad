/**
 * 53-bit event id hashing for the dedup key (`events.id_hash`). cyrb53 (public domain, bryc):
 * fast, well mixed, and a safe integer, so SQLite stores it as an 8-byte INTEGER key instead of a
 * 36-character TEXT key. Collisions are possible (about 0.5% odds of one pair among 10M ids), so the
 * store resolves them by probing: attempt 0, 1, 2, ... each with a different seed.
 */

/** (id, attempt) -> non-negative safe integer below 2^53. */
export type HashFn = (id: string, attempt: number) => number;

export function cyrb53(str: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < str.length; i++) {
    const ch = str.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** The default dedup hash: cyrb53 seeded with the probe attempt. */
export const idHash: HashFn = (id, attempt) => cyrb53(id, attempt);
