import { describe, expect, it } from "vitest";
import { startsAtZero, tailLines } from "../src/logtail";

describe("the tail of an uploaded log", () => {
  it("keeps the last lines, without the final newline's empty line", () => {
    const text = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join("\n") + "\n";
    expect(tailLines(text, true)).toEqual(Array.from({ length: 20 }, (_, i) => `line ${i + 11}`));
    expect(tailLines("a\r\nb\r\n", true, 5)).toEqual(["a", "b"]);
    expect(tailLines("", true)).toEqual([]);
  });

  it("drops the partial first line of a log read from an offset", () => {
    expect(tailLines("tial line\nwhole 1\nwhole 2\n", false)).toEqual(["whole 1", "whole 2"]);
    expect(tailLines("only a fragment", false)).toEqual(["only a fragment"]); // nothing else to show
  });

  it("reads S3's Content-Range", () => {
    expect(startsAtZero("bytes 0-99/100")).toBe(true);
    expect(startsAtZero("bytes 100-65635/65636")).toBe(false);
    expect(startsAtZero(undefined)).toBe(true); // a whole object
  });
});
