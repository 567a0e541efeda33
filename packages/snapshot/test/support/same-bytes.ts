/** Byte equality of two byte arrays whatever their class (Buffer vs Uint8Array). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0;
}
