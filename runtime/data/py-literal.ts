import { DataError } from "./errors.js";

/**
 * A parser for the small subset of Python literals NumPy writes into a `.npy` header:
 * dicts, tuples, lists, strings, integers (with py2's `L` suffix), True/False/None.
 * Tuples and lists both become arrays. Anything else is an error naming the offset.
 */
export type PyValue = string | number | boolean | null | PyValue[] | { [key: string]: PyValue };

export function parsePyLiteral(text: string, file: string): PyValue {
  let pos = 0;

  const fail = (what: string): never => {
    throw new DataError("malformed", `bad .npy header at offset ${pos}: ${what} in ${JSON.stringify(text.trim())}`, file);
  };
  const skipSpace = () => {
    while (pos < text.length && /\s/.test(text[pos])) pos++;
  };
  const expect = (ch: string) => {
    skipSpace();
    if (text[pos] !== ch) fail(`expected '${ch}'`);
    pos++;
  };

  const parseString = (): string => {
    const quote = text[pos++];
    let out = "";
    while (pos < text.length && text[pos] !== quote) {
      if (text[pos] === "\\") {
        pos++;
        if (pos >= text.length) break;
      }
      out += text[pos++];
    }
    if (text[pos] !== quote) fail("unterminated string");
    pos++;
    return out;
  };

  // Items up to `close`, allowing a trailing comma; `(5,)` is a one-element tuple.
  const parseSequence = (close: string): PyValue[] => {
    const items: PyValue[] = [];
    pos++;
    for (;;) {
      skipSpace();
      if (text[pos] === close) {
        pos++;
        return items;
      }
      items.push(parseValue());
      skipSpace();
      if (text[pos] === ",") pos++;
      else if (text[pos] !== close) fail(`expected ',' or '${close}'`);
    }
  };

  const parseDict = (): { [key: string]: PyValue } => {
    const dict: { [key: string]: PyValue } = {};
    pos++;
    for (;;) {
      skipSpace();
      if (text[pos] === "}") {
        pos++;
        return dict;
      }
      if (text[pos] !== "'" && text[pos] !== '"') fail("expected a string key");
      const key = parseString();
      expect(":");
      dict[key] = parseValue();
      skipSpace();
      if (text[pos] === ",") pos++;
      else if (text[pos] !== "}") fail("expected ',' or '}'");
    }
  };

  const parseValue = (): PyValue => {
    skipSpace();
    const ch = text[pos];
    if (ch === "{") return parseDict();
    if (ch === "(") return parseSequence(")");
    if (ch === "[") return parseSequence("]");
    if (ch === "'" || ch === '"') return parseString();
    const word = /^(-?\d+)L?|^(True|False|None)\b/.exec(text.slice(pos));
    if (!word) return fail("unexpected character");
    pos += word[0].length;
    if (word[1] !== undefined) return Number(word[1]);
    return word[2] === "True" ? true : word[2] === "False" ? false : null;
  };

  const value = parseValue();
  skipSpace();
  if (pos !== text.length) fail("trailing characters");
  return value;
}
