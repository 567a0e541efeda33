/**
 * ACL path templating (Vault's identitytpl, ACL mode): `{{identity.entity.id}}` and friends in a
 * policy path are replaced by the requesting entity's values when the ACL is built; a path
 * whose template cannot be filled (no entity, missing metadata key, ...) is left out.
 */

/** The identity an ACL is built for, as far as templates need it. */
export interface AclEntity {
  readonly id: string;
  readonly name: string;
  readonly metadata?: Readonly<Record<string, string>>;
  readonly aliases?: readonly {
    readonly mountAccessor: string;
    readonly id: string;
    readonly name: string;
    readonly metadata?: Readonly<Record<string, string>>;
  }[];
  readonly groups?: readonly {
    readonly id: string;
    readonly name: string;
    readonly metadata?: Readonly<Record<string, string>>;
  }[];
}

const TEMPLATE = /\{\{(.*?)\}\}/g;

const PARAMETER_FORMS: readonly RegExp[] = [
  /^identity\.entity\.(id|name)$/,
  /^identity\.entity\.metadata\.[^\s]+$/,
  /^identity\.entity\.aliases\.[^.\s]+\.(id|name)$/,
  /^identity\.entity\.aliases\.[^.\s]+\.metadata\.[^\s]+$/,
  /^identity\.groups\.ids\.[^.\s]+\.name$/,
  /^identity\.groups\.names\.[^.\s]+\.id$/,
  /^identity\.groups\.(ids|names)\.[^.\s]+\.metadata\.[^\s]+$/,
];

/**
 * Whether `path` uses templating; throws a description of the problem when a template is
 * malformed or names an unknown parameter.
 */
export function checkPathTemplate(path: string): boolean {
  let found = false;
  for (const m of path.matchAll(TEMPLATE)) {
    found = true;
    const param = (m[1] ?? '').trim();
    if (!PARAMETER_FORMS.some((re) => re.test(param)))
      throw new Error(`unknown or invalid template parameter "${param}"`);
  }
  const rest = path.replace(TEMPLATE, '');
  if (rest.includes('{{')) throw new Error('unclosed template "{{" (missing "}}")');
  return found;
}

/**
 * The path with its templates filled from `entity`, or undefined when one cannot be filled. A
 * value containing `*` or `+` also leaves the path out, so an identity value can never turn
 * into a wildcard.
 */
export function renderPathTemplate(path: string, entity: AclEntity | undefined): string | undefined {
  let missing = false;
  const out = path.replace(TEMPLATE, (_all, inner: string) => {
    const value = entity === undefined ? undefined : lookup(inner.trim(), entity);
    if (value === undefined || value.includes('*') || value.includes('+')) missing = true;
    return value ?? '';
  });
  return missing ? undefined : out;
}

function lookup(param: string, entity: AclEntity): string | undefined {
  const own = (rec: Readonly<Record<string, string>> | undefined, key: string): string | undefined =>
    rec !== undefined && Object.prototype.hasOwnProperty.call(rec, key) ? rec[key] : undefined;
  let m: RegExpExecArray | null;
  if (param === 'identity.entity.id') return entity.id;
  if (param === 'identity.entity.name') return entity.name;
  if ((m = /^identity\.entity\.metadata\.(.+)$/.exec(param))) return own(entity.metadata, m[1] ?? '');
  if ((m = /^identity\.entity\.aliases\.([^.]+)\.(id|name|metadata\.(.+))$/.exec(param))) {
    const alias = entity.aliases?.find((a) => a.mountAccessor === m?.[1]);
    if (alias === undefined) return undefined;
    if (m[2] === 'id') return alias.id;
    if (m[2] === 'name') return alias.name;
    return own(alias.metadata, m[3] ?? '');
  }
  if ((m = /^identity\.groups\.(ids|names)\.([^.]+)\.(id|name|metadata\.(.+))$/.exec(param))) {
    const byId = m[1] === 'ids';
    const group = entity.groups?.find((g) => (byId ? g.id : g.name) === m?.[2]);
    if (group === undefined) return undefined;
    if (m[3] === 'id') return group.id;
    if (m[3] === 'name') return group.name;
    return own(group.metadata, m[4] ?? '');
  }
  return undefined;
}
