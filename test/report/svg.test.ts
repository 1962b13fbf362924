import { describe, expect, it } from "vitest";
import { el, escapeXml, renderSvg, svgDocument } from "../../runtime/report/index.js";
import { xmlProblems } from "./xml.js";

describe("the SVG writer", () => {
  it("escapes text and attributes, so any name is safe", () => {
    const doc = svgDocument(10, 10, [el("text", { "data-x": 'a"<b>&' }, "loss <&> \"val\"")]);
    expect(doc).toContain('data-x="a&quot;&lt;b&gt;&amp;"');
    expect(doc).toContain("loss &lt;&amp;&gt; &quot;val&quot;");
    expect(xmlProblems(doc)).toEqual([]);
    expect(escapeXml("a&b")).toBe("a&amp;b");
  });

  it("renders nested elements, self-closes empty ones, drops undefined attributes and rounds numbers", () => {
    const text = renderSvg(el("g", { class: "x", hidden: undefined }, el("line", { x1: 1.23456, y1: 2 }), el("text", {}, "hi")));
    expect(text).toBe('<g class="x">\n  <line x1="1.23" y1="2"/>\n  <text>hi</text>\n</g>');
  });

  it("writes a standalone document with its size and view box", () => {
    const doc = svgDocument(300, 200, []);
    expect(doc.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="300" height="200" viewBox="0 0 300 200"')).toBe(true);
    expect(xmlProblems(doc)).toEqual([]);
  });

  it("the checker itself catches broken XML", () => {
    expect(xmlProblems("<svg><g></svg>")).not.toEqual([]);
    expect(xmlProblems("<svg>a & b</svg>")).not.toEqual([]);
    expect(xmlProblems("<svg x=1/>")).not.toEqual([]);
  });
});
