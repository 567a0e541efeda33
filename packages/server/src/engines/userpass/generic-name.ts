/**
 * Vault's `framework.GenericNameRegex` (user names, role names): word characters, with dots and
 * dashes allowed inside. A regular-expression source for path patterns.
 */
export const GENERIC_NAME = String.raw`\w(?:[\w.-]*\w)?`;
