import { BarrierError } from './barrier-error.js';

/**
 * Text forms of unseal shares, as Vault prints them (`keys` hex, `keys_base64` standard
 * base64 with padding) and accepts them (`sys/unseal` `key`: hex first, else base64).
 */
export function shareToHex(share: Uint8Array): string {
  return Buffer.from(share.buffer, share.byteOffset, share.byteLength).toString('hex');
}

export function shareToBase64(share: Uint8Array): string {
  return Buffer.from(share.buffer, share.byteOffset, share.byteLength).toString('base64');
}

const HEX = /^(?:[0-9a-fA-F]{2})+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Decodes a share given as hex or as standard base64 (surrounding whitespace ignored).
 * Undecodable text is an INVALID_UNSEAL_KEY BarrierError (the text is not echoed).
 */
export function parseShare(text: string): Uint8Array {
  const s = text.trim();
  if (HEX.test(s)) return new Uint8Array(Buffer.from(s, 'hex'));
  if (s.length > 0 && BASE64.test(s)) return new Uint8Array(Buffer.from(s, 'base64'));
  throw new BarrierError('INVALID_UNSEAL_KEY', 'unseal key is neither hex nor base64');
}
