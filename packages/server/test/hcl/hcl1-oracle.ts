import { createRequire } from 'node:module';

/**
 * The reference HCL1 decoder (`js-hcl-parser`: hashicorp/hcl v1 compiled with GopherJS), for
 * differential tests only. Loading it sets `globalThis.require` and `Error.stackTraceLimit`;
 * both are restored right after. Not for use outside tests.
 *
 * Known artefact: GopherJS's `int` is 32 bits, so integers outside int32 fail to decode in the
 * oracle while Vault (64-bit) accepts them. The corpus keeps integers inside int32.
 */
export interface Hcl1Oracle {
  /** The decoded document, or `undefined` when the reference rejects it. */
  decode(text: string): unknown;
}

let cached: Hcl1Oracle | undefined;

export function loadHcl1Oracle(): Hcl1Oracle {
  if (cached !== undefined) return cached;
  const globalsBefore = new Set(Object.getOwnPropertyNames(globalThis));
  const stackTraceLimit = Error.stackTraceLimit;
  const require = createRequire(import.meta.url);
  const lib = require('js-hcl-parser') as { parse(text: string): string };
  for (const name of Object.getOwnPropertyNames(globalThis)) {
    if (!globalsBefore.has(name)) Reflect.deleteProperty(globalThis, name);
  }
  Error.stackTraceLimit = stackTraceLimit;
  cached = {
    decode(text: string): unknown {
      // GopherJS reads `new Error().stack` on every deferred call; source-mapped stack traces
      // (enabled by tsx) make that many times slower, so they are off while it runs.
      const sourceMaps = process.sourceMapsEnabled;
      process.setSourceMapsEnabled(false);
      let out: string;
      try {
        out = lib.parse(text);
      } catch {
        return undefined; // the Go code panicked (e.g. an invalid \U escape)
      } finally {
        process.setSourceMapsEnabled(sourceMaps);
      }
      if (out.startsWith('unable to parse')) return undefined;
      return JSON.parse(out) as unknown;
    },
  };
  return cached;
}
