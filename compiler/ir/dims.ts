import type { Dim } from "./types.js";

/**
 * Arithmetic on dimensions. Concrete sizes fold; symbolic ones become canonical strings so that
 * equal expressions compare equal with `===`. Operands that are compound are parenthesised.
 */

function wrap(d: Dim): string {
  const s = String(d);
  return /^[A-Za-z0-9_.]+$/.test(s) ? s : `(${s})`;
}

/**
 * `X` or `X*k` (X a name or one parenthesised group, k a positive int) as [X, k], so that sums of
 * the same symbol fold (`a+a+a+a` is `a*4`, as is `4*a`): concatenating four `a`-wide tensors
 * then matches a layer declared with `4 * a` inputs.
 */
function scaledSymbol(d: Dim): [string, number] | undefined {
  if (typeof d === "number") return undefined;
  const m = /^(.*)\*(\d+)$/.exec(d);
  const base = m ? m[1] : d;
  const single = /^[A-Za-z_][A-Za-z0-9_.]*$/.test(base) || (base.startsWith("(") && closingParen(base) === base.length - 1);
  return single ? [base, m ? Number(m[2]) : 1] : undefined;
}

function closingParen(s: string): number {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === "(") depth++;
    else if (s[i] === ")" && --depth === 0) return i;
  }
  return -1;
}

function scaled(base: string, k: number): Dim {
  return k === 0 ? 0 : k === 1 ? base : `${base}*${k}`;
}

export function dimAdd(a: Dim, b: Dim): Dim {
  if (typeof a === "number" && typeof b === "number") return a + b;
  if (a === 0) return b;
  if (b === 0) return a;
  const [sa, sb] = [scaledSymbol(a), scaledSymbol(b)];
  if (sa && sb && sa[0] === sb[0]) return scaled(sa[0], sa[1] + sb[1]);
  return `${wrap(a)}+${wrap(b)}`;
}

export function dimSub(a: Dim, b: Dim): Dim {
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (b === 0) return a;
  if (a === b) return 0;
  const [sa, sb] = [scaledSymbol(a), scaledSymbol(b)];
  if (sa && sb && sa[0] === sb[0] && sa[1] > sb[1]) return scaled(sa[0], sa[1] - sb[1]);
  return `${wrap(a)}-${wrap(b)}`;
}

export function dimMul(a: Dim, b: Dim): Dim {
  if (typeof a === "number" && typeof b === "number") return a * b;
  if (a === 1) return b;
  if (b === 1) return a;
  if (a === 0 || b === 0) return 0;
  // A symbol scaled by a positive count is written `X*k`, whichever side the count was on.
  const [sym, k] = typeof a === "number" ? [b, a] : [a, b];
  const s = scaledSymbol(sym);
  if (s && typeof k === "number" && Number.isInteger(k) && k > 0) return scaled(s[0], s[1] * k);
  return `${wrap(a)}*${wrap(b)}`;
}

/** Integer division; a concrete division that is not exact returns undefined (caller reports it). */
export function dimDiv(a: Dim, b: Dim): Dim | undefined {
  if (typeof a === "number" && typeof b === "number") {
    if (b === 0 || a % b !== 0) return undefined;
    return a / b;
  }
  if (b === 1) return a;
  if (a === b) return 1;
  // A scaled symbol divided by a divisor of its count: `X*10` / 5 is `X*2`.
  const s = scaledSymbol(a);
  if (s && typeof b === "number" && Number.isInteger(b) && b > 0 && s[1] % b === 0) return scaled(s[0], s[1] / b);
  return `${wrap(a)}/${wrap(b)}`;
}

/** Every dim of `shape` evaluated in `env`; an unbound one throws, the message led by `what`. */
export function concreteShape(shape: readonly Dim[], env: Readonly<Record<string, number>>, what: string): number[] {
  return shape.map((d) => {
    const v = evalDim(d, env);
    if (v === undefined) throw new Error(`${what}: dimension ${d} has no value`);
    return v;
  });
}

/** Evaluate a dim given symbol values; undefined if a symbol is unbound. */
export function evalDim(d: Dim, env: Readonly<Record<string, number>>): number | undefined {
  if (typeof d === "number") return d;
  if (d in env) return env[d];
  const tokens = d.match(/[A-Za-z_][A-Za-z0-9_.]*|\d+|[-+*/()]/g) ?? [];
  let pos = 0;
  const peek = () => tokens[pos];
  const next = () => tokens[pos++];
  const primary = (): number | undefined => {
    const t = next();
    if (t === undefined) return undefined;
    if (t === "(") {
      const v = sum();
      next();
      return v;
    }
    if (/^\d+$/.test(t)) return Number(t);
    return env[t];
  };
  const product = (): number | undefined => {
    let v = primary();
    while (peek() === "*" || peek() === "/") {
      const op = next();
      const r = primary();
      if (v === undefined || r === undefined) return undefined;
      v = op === "*" ? v * r : Math.trunc(v / r);
    }
    return v;
  };
  const sum = (): number | undefined => {
    let v = product();
    while (peek() === "+" || peek() === "-") {
      const op = next();
      const r = product();
      if (v === undefined || r === undefined) return undefined;
      v = op === "+" ? v + r : v - r;
    }
    return v;
  };
  return sum();
}

export function formatShape(shape: readonly Dim[]): string {
  return `[${shape.join(",")}]`;
}
