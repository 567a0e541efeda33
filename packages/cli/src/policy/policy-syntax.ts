/**
 * The parts of the server's HCL1 syntax tree (`@coffer/server` `parseHcl`) that `policy fmt`
 * reads. Declared here because the CLI may only load the server package dynamically.
 */
export interface PolicyPosition {
  readonly line: number;
  readonly column: number;
}

export interface PolicyKey {
  readonly name: string;
  readonly quoted: boolean;
  readonly pos: PolicyPosition;
}

export interface PolicyItem {
  readonly kind: 'item';
  readonly keys: readonly PolicyKey[];
  readonly assign: boolean;
  readonly value: PolicyExpr;
  readonly pos: PolicyPosition;
}

export interface PolicyObject {
  readonly kind: 'object';
  readonly items: readonly PolicyItem[];
  readonly pos: PolicyPosition;
}

export interface PolicyList {
  readonly kind: 'list';
  readonly elements: readonly PolicyExpr[];
  readonly pos: PolicyPosition;
}

export interface PolicyString {
  readonly kind: 'string';
  readonly value: string;
  readonly heredoc: boolean;
  readonly pos: PolicyPosition;
}

export interface PolicyNumber {
  readonly kind: 'number';
  readonly value: number;
  readonly raw: string;
  readonly pos: PolicyPosition;
}

export interface PolicyBool {
  readonly kind: 'bool';
  readonly value: boolean;
  readonly pos: PolicyPosition;
}

export type PolicyExpr = PolicyObject | PolicyList | PolicyString | PolicyNumber | PolicyBool;

export interface PolicyComment {
  readonly text: string;
  readonly pos: PolicyPosition;
}

export interface PolicySyntaxTree {
  readonly body: PolicyObject;
  readonly comments: readonly PolicyComment[];
}
