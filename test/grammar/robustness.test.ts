import { describe, expect, it } from "vitest";
import { parse } from "../../grammar/index.js";
import { formatDiagnostic } from "../../grammar/format.js";
import { GRAMMAR_CODES, MAX_ERRORS, MAX_NESTING } from "../../grammar/codes.js";
import { parseOk, where } from "./helpers.js";

/** Deterministic pseudo-random bytes (mulberry32), so a failure can be reproduced. */
function randomBytes(seed: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let a = seed >>> 0;
  for (let i = 0; i < length; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) & 0xff;
  }
  return out;
}

describe("hostile input", () => {
  it("survives binary garbage read as latin1 text", () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const text = Buffer.from(randomBytes(seed, 4096)).toString("latin1");
      const { ast, diagnostics } = parse(text, "garbage.gnn");
      expect(ast).toBeUndefined();
      expect(diagnostics.length).toBeGreaterThan(0);
      expect(diagnostics.length).toBeLessThanOrEqual(MAX_ERRORS + 1);
      for (const d of diagnostics) {
        expect(Object.keys(GRAMMAR_CODES)).toContain(d.code);
        // Formatting must not let control characters through to the terminal.
        const shown = formatDiagnostic(d, () => text);
        expect(shown).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
      }
    }
  });

  it("survives random edits of a valid file with friendly, well-placed diagnostics", () => {
    const valid = [
      'import "blocks.gnn"',
      'dataset cora = load("cora", transforms = [normalize_features])',
      "block ResBlock(width: int) {",
      '  norm = LayerNorm(width, mode = "node")',
      "  forward(h, g, mask) = relu(norm(h)) * mask",
      "}",
      "model GCN(in_channels: int, hidden: int = 16, p: float = 0.5) {",
      "  stack = reversible(groups = 2) repeat(4) ResBlock(hidden / 2)",
      "  forward(x: f32[N, in_channels], g: graph[N]) -> f32[N, hidden] {",
      "    h = dropout(x, p)",
      "    return stack(h, g, -h)",
      "  }",
      "}",
      "train t { data = cora  model = GCN(cora.num_features)  report = [accuracy(val)] }",
    ].join("\n");
    const inserts = ["(", ")", "[", "]", "{", "}", ",", "=", ":", ".", "->", "-", "*", "model", "forward", "repeat(2)", "return", '"', "#", "1.", "x", "\n", "$"];
    const random = randomBytes(99, 3 * 400);
    const friendly = /^[^{}]*$|`/; // braces only ever inside backticks, never as JSON
    for (let i = 0; i < 400; i++) {
      const [a, b, c] = random.subarray(3 * i, 3 * i + 3);
      const at = Math.floor(((a * 256 + b) / 65536) * valid.length);
      const text = c < 100 ? valid.slice(0, at) + valid.slice(at + 1 + (c % 4)) : valid.slice(0, at) + inserts[c % inserts.length] + valid.slice(at);
      const { ast, diagnostics } = parse(text, "edited.gnn");
      if (ast === undefined) expect(diagnostics.some((d) => d.severity === "error"), text).toBe(true);
      for (const d of diagnostics) {
        expect(Object.keys(GRAMMAR_CODES), text).toContain(d.code);
        for (const span of [d.span, ...(d.labels ?? []).map((l) => l.span)]) {
          expect(span.start.offset >= 0 && span.start.offset <= text.length, text).toBe(true);
          expect(span.end.offset >= span.start.offset, text).toBe(true);
        }
        expect(d.message, text).toMatch(friendly);
        expect(d.message, text).not.toMatch(/undefined|NaN|Exception|Expecting/);
        expect(() => formatDiagnostic(d, () => text)).not.toThrow();
      }
    }
  });

  it("gives nesting too deep for 100,000 nested brackets instead of overflowing the stack", () => {
    for (const [open, close] of [["(", ")"], ["[", "]"], ["{", "}"], ["f(", ")"]]) {
      const text = `dataset x = ${open.repeat(100_000)}1${close.repeat(100_000)}\n`;
      const { ast, diagnostics } = parse(text, "deep.gnn");
      expect(ast).toBeUndefined();
      expect(diagnostics.map((d) => d.code)).toEqual(["E109"]);
      expect(diagnostics[0].message).toMatch(/nesting too deep/);
      // It points at the first bracket past the limit.
      expect(diagnostics[0].span.start.column).toBe("dataset x = ".length + open.length * (MAX_NESTING + 1));
    }
  });

  it("gives nesting too deep for 100,000 unclosed parentheses and for a long run of unary minus", () => {
    expect(parse("(".repeat(100_000), "deep.gnn").diagnostics.map((d) => d.code)).toEqual(["E109"]);
    expect(parse(`dataset x = ${"-".repeat(100_000)}1`, "deep.gnn").diagnostics.map((d) => d.code)).toEqual(["E109"]);
  });

  it("parses nesting right up to the limit, in every recursive form", () => {
    const d = MAX_NESTING - 1;
    const forms = {
      parentheses: "(".repeat(d) + "1" + ")".repeat(d),
      lists: "[".repeat(d) + "]".repeat(d),
      calls: "f(".repeat(d) + ")".repeat(d),
      namedArguments: "f(a = ".repeat(d) + "1" + ")".repeat(d),
      stacks: "repeat(".repeat(d - 1) + "1" + ") L(1)".repeat(d - 1),
      unaryMinus: "-".repeat(d) + "1",
    };
    for (const [form, expr] of Object.entries(forms)) {
      const { diagnostics } = parse(`dataset x = ${expr}`, `${form}.gnn`);
      expect(diagnostics, form).toEqual([]);
    }
  });

  it("parses an empty file and a file of only a comment cleanly", () => {
    expect(parseOk("").items).toEqual([]);
    expect(parseOk("# nothing to see here").items).toEqual([]);
  });

  it("reports an unterminated string at the very end of the file", () => {
    const { ast, diagnostics } = parse('dataset d = load("cora', "t.gnn");
    expect(ast).toBeUndefined();
    expect(diagnostics.map((d) => `${d.code} ${where(d.span)}`)).toEqual(["E002 1:18-1:23"]);
  });

  it("keeps columns right with CRLF line endings", () => {
    const { diagnostics } = parse("model M {\r\n  conv = GCNConv(16 = 7)\r\n}\r\n", "crlf.gnn");
    expect(diagnostics.map((d) => `${d.code} ${where(d.span)}`)).toEqual(["E101 2:21-2:22"]);
    expect(diagnostics[0].span.start.offset).toBe("model M {\r\n  conv = GCNConv(16 ".length);
  });
});

describe("a 10 MB file", () => {
  // Speed belongs in benchmarks: the time is logged, and a pathological (quadratic) slowdown shows
  // as this test's timeout, not as a wall-clock bound that a loaded machine can break.
  it("parses whole, every item in place", () => {
    const unit = (i: number) => `dataset d${i} = load("cora", transforms = [normalize_features])
block B${i}(width: int) {
  norm = LayerNorm(width, mode = "node")
  conv = SAGEConv(width, width)
  forward(h, g, mask) = conv(relu(norm(h)) * mask, g)
}
model M${i}(in_channels: int, out_channels: int, hidden: int = 16, p: float = 0.5) {
  conv1 = GCNConv(in_channels, hidden)
  stack = reversible(groups = 2) repeat(4) B${i}(hidden / 2)
  forward(x: f32[N, in_channels], g: graph[N]) -> f32[N, out_channels] {
    h = dropout(x, p)
    h = relu(conv1(h, g)) + -1.5e-3 * h
    return stack(h, g, x)
  }
}
train t${i} { data = d${i}  model = M${i}(d${i}.num_features, 7)  epochs = 200  report = [accuracy(val)] }
`;
    const parts: string[] = [];
    let size = 0;
    for (let i = 0; size < 10 * 1024 * 1024; i++) {
      parts.push(unit(i));
      size += parts[i].length;
    }
    const text = parts.join("");

    const start = performance.now();
    const { ast, diagnostics } = parse(text, "big.gnn");
    const seconds = (performance.now() - start) / 1000;
    console.log(`parsed ${(text.length / 1e6).toFixed(1)} MB, ${parts.length * 4} items, in ${seconds.toFixed(2)} s`);

    expect(diagnostics).toEqual([]);
    expect(ast?.items).toHaveLength(parts.length * 4);
    expect(ast?.items.at(-1)?.span.end.line).toBe(parts.length * 16);
  }, 120_000);
});
