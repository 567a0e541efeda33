/** A decoded HCL (or JSON) value: what `decodeHcl` and `decodeHcl1` return. */
export type HclPlainValue = string | number | boolean | HclPlainValue[] | HclPlainObject;
export interface HclPlainObject {
  [key: string]: HclPlainValue;
}

/** Sets `obj[key]` as an own data property, even for `__proto__`. */
export function setOwn(obj: HclPlainObject, key: string, value: HclPlainValue): void {
  if (key === '__proto__')
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

export function getOwn(obj: HclPlainObject, key: string): HclPlainValue | undefined {
  return Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
}
