import { randomFillSync } from 'node:crypto';

const POOL_BYTES = 16 * 1024;
let pool = Buffer.alloc(0);
let offset = 0;

/**
 * `n` fresh bytes from the CSPRNG, handed out from a pool refilled 16 KiB at a time: one
 * OpenSSL call per ~1,300 nonces instead of one per encryption. Every byte is handed out once;
 * the caller gets its own copy.
 */
export function randomNonce(n: number): Buffer {
  if (n > POOL_BYTES) return randomFillSync(Buffer.allocUnsafe(n));
  if (offset + n > pool.length) {
    pool = randomFillSync(Buffer.allocUnsafe(POOL_BYTES));
    offset = 0;
  }
  const out = Buffer.from(pool.subarray(offset, offset + n));
  pool.fill(0, offset, offset + n);
  offset += n;
  return out;
}
