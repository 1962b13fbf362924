import { describe, expect, it } from "vitest";
import { lex, stringValue } from "../../grammar/lexer.js";
import { parse } from "../../grammar/index.js";
import type { Diagnostic } from "../../grammar/diagnostics.js";
import { where } from "./helpers.js";

const names = (text: string) => lex(text, "t.gnn").tokens.map((t) => t.tokenType.name);
const problems = (text: string) => lex(text, "t.gnn").diagnostics.map((d: Diagnostic) => `${d.code} ${where(d.span)} ${d.message}`);

describe("tokens", () => {
  it("tells keywords from identifiers that start with one", () => {
    expect(names("train trainer model models true truex repeat repeat_")).toEqual([
      "Train", "Identifier", "Model", "Identifier", "True", "Identifier", "Repeat", "Identifier",
    ]);
  });

  it("reads `->` as one token and `-` as another", () => {
    expect(names("a->b - c")).toEqual(["Identifier", "Arrow", "Identifier", "Minus", "Identifier"]);
  });

  it("skips comments, whitespace and a byte-order mark", () => {
    expect(names("\uFEFF# c\n a # d\r\n\tb")).toEqual(["Identifier", "Identifier"]);
  });
});

describe("lexical errors", () => {
  it("merges a run of unexpected characters into one diagnostic", () => {
    expect(problems("a $$$ b ; c")).toEqual([
      "E001 1:3-1:6 unexpected characters `$$$`",
      "E001 1:9-1:10 unexpected character `;`",
    ]);
  });

  it("escapes control characters in messages", () => {
    expect(problems("a \u0007 b")).toEqual(["E001 1:3-1:4 unexpected character `\\u{7}`"]);
  });

  it("reports an unterminated string, and the parser still sees a string", () => {
    const { diagnostics } = parse('dataset d = load("cora)\ndataset e = x', "t.gnn");
    expect(diagnostics.map((d) => `${d.code} ${where(d.span)}`)).toEqual(["E002 1:18-1:24"]);
  });

  it("reports an unterminated string at the end of the file", () => {
    expect(problems('import "blocks')).toEqual(["E002 1:8-1:15 unterminated string"]);
    expect(problems('import "ends with backslash\\')).toEqual(["E002 1:8-1:29 unterminated string"]);
  });

  it("reports malformed numbers as one token each", () => {
    expect(problems("16. 1e 1e- .5 2x 1.2.3 0x1F")).toEqual([
      "E003 1:1-1:4 invalid number `16.`",
      "E003 1:5-1:7 invalid number `1e`",
      "E003 1:8-1:11 invalid number `1e-`",
      "E003 1:12-1:14 invalid number `.5`",
      "E003 1:15-1:17 invalid number `2x`",
      "E003 1:18-1:23 invalid number `1.2.3`",
      "E003 1:24-1:28 invalid number `0x1F`",
    ]);
    const help = lex(".5", "t.gnn").diagnostics[0].help;
    expect(help).toBe("write a digit before the point: `0.5`");
  });

  it("reports numbers too large to use", () => {
    expect(problems("1e999 9007199254740993")).toEqual([
      "E003 1:1-1:6 number `1e999` is too large",
      "E003 1:7-1:23 integer `9007199254740993` is too large to represent exactly",
    ]);
  });

  it("reports unknown escapes in strings", () => {
    expect(problems(String.raw`"c:\data" "ok\\d"`)).toEqual(["E004 1:4-1:6 unknown escape sequence `\\d` in string"]);
  });
});

describe("string values", () => {
  it("removes quotes and applies escapes", () => {
    expect(stringValue(String.raw`"a\"b"`)).toBe('a"b');
    expect(stringValue(String.raw`"tab\there"`)).toBe("tab\there");
    expect(stringValue(String.raw`"back\\"`)).toBe("back\\");
    expect(stringValue('"unterminated')).toBe("unterminated");
  });
});
