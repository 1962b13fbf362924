import type { Dim } from "./types.js";

/**
 * Arithmetic on dimensions. Concrete sizes fold; symbolic ones become canonical strings so that
 * equal expressions compare equal with `===`. Operands that are compound are parenthesised.
 */

function wrap(d: Dim): string {
  const s = String(d);
  return /^[A-Za-z0-9_.]+$/.test(s) ? s : `(${s})`;
}

export function dimAdd(a: Dim, b: Dim): Dim {
  if (typeof a === "number" && typeof b === "number") return a + b;
  if (a === 0) return b;
  if (b === 0) return a;
  return `${wrap(a)}+${wrap(b)}`;
}

export function dimSub(a: Dim, b: Dim): Dim {
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (b === 0) return a;
  if (a === b) return 0;
  return `${wrap(a)}-${wrap(b)}`;
}

export function dimMul(a: Dim, b: Dim): Dim {
  if (typeof a === "number" && typeof b === "number") return a * b;
  if (a === 1) return b;
  if (b === 1) return a;
  if (a === 0 || b === 0) return 0;
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
  return `${wrap(a)}/${wrap(b)}`;
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
