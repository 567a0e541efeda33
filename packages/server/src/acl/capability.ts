/** The capabilities a policy path may grant (Vault's set; `subscribe` is for the events API). */
export const CAPABILITIES = [
  'create',
  'read',
  'update',
  'patch',
  'delete',
  'list',
  'sudo',
  'deny',
  'subscribe',
] as const;
export type Capability = (typeof CAPABILITIES)[number];

/** Bit of each capability in a permissions bitmap (Vault's order). */
export const CAPABILITY_BIT: Readonly<Record<Capability, number>> = {
  deny: 1 << 0,
  create: 1 << 1,
  read: 1 << 2,
  update: 1 << 3,
  delete: 1 << 4,
  list: 1 << 5,
  sudo: 1 << 6,
  patch: 1 << 7,
  subscribe: 1 << 8,
};

export function isCapability(value: string): value is Capability {
  return (CAPABILITIES as readonly string[]).includes(value);
}

/** The capability names in a bitmap, sorted (as `sys/capabilities` reports them). */
export function capabilityNames(bits: number): Capability[] {
  return CAPABILITIES.filter((c) => (bits & CAPABILITY_BIT[c]) !== 0).sort();
}
