/**
 * A string that is equal for two values iff they are structurally equal: object keys are sorted,
 * and numbers are written so that `-0`, `0` and `NaN` stay distinct (JSON would merge `-0` and `0`,
 * and CSE merging `t.const{value=-0}` with `t.const{value=0}` would change `1/x`).
 */
export function canonicalKey(value: unknown): string {
  if (typeof value === "number") return Object.is(value, -0) ? "-0" : String(value);
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "boolean" || value === null) return String(value);
  if (value === undefined) return "undefined";
  if (Array.isArray(value)) return `[${value.map(canonicalKey).join(",")}]`;
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalKey(v)}`).join(",")}}`;
  }
  throw new Error(`canonicalKey: cannot key a ${typeof value}`);
}
