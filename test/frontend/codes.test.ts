import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { FRONTEND_CODES } from "../../compiler/frontend/codes.js";
import { dimAdd, dimMul, dimSub } from "../../compiler/ir/dims.js";

// The frontend's codes are reported by the frontend and by the train-block contract checks it shares with training.
const frontend = join(dirname(fileURLToPath(import.meta.url)), "../../compiler/frontend");
const train = join(dirname(fileURLToPath(import.meta.url)), "../../compiler/train");

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") ? [readFileSync(join(dir, e.name), "utf8")] : [],
  );
}

describe("frontend diagnostic codes", () => {
  it("are all in the E2xx–E5xx / W2xx ranges, and every code in the table is used", () => {
    const text = [...sources(frontend), ...sources(train)].join("\n");
    for (const code of Object.keys(FRONTEND_CODES)) {
      expect(code).toMatch(/^(E[2-5]\d\d|W2\d\d)$/);
      expect(text.split(`"${code}"`).length - 1, `${code} is never reported`).toBeGreaterThan(0);
    }
  });

  it("every code the frontend reports is in the table", () => {
    const used = new Set(sources(frontend).join("\n").match(/"[EW][2-5]\d\d"/g)!.map((s) => s.slice(1, -1)));
    expect([...used].filter((c) => !(c in FRONTEND_CODES))).toEqual([]);
  });
});

describe("symbolic sizes fold sums of one symbol", () => {
  it("so that concatenating k copies of width a matches a layer declared with a * k", () => {
    const four = [1, 2, 3].reduce<string | number>((acc) => dimAdd(acc, "a"), "a");
    expect(four).toBe("a*4");
    expect(dimMul("a", 4)).toBe("a*4");
    expect(dimMul(4, "a")).toBe("a*4");
    expect(dimSub("a*4", "a")).toBe("a*3");
    expect(dimAdd("(E+N)", "(E+N)*2")).toBe("(E+N)*3");
  });

  it("leave other sums as they were", () => {
    expect(dimAdd("E", "N")).toBe("E+N");
    expect(dimAdd(dimAdd(16, "hidden"), 2)).toBe("(16+hidden)+2");
    expect(dimMul("a", "b")).toBe("a*b");
  });
});
