import { describe, expect, it } from "vitest";
import { rollbackRequest } from "../src/actions";

describe("a rollback request, as the CLI writes it", () => {
  it("names the version, or none for the previous deployed release", () => {
    expect(JSON.parse(rollbackRequest("3", "abc123"))).toEqual({ request: "abc123", version: 3 });
    expect(JSON.parse(rollbackRequest(" ", "abc123"))).toEqual({ request: "abc123" });
  });

  it("refuses what is not a version before anything is written", () => {
    for (const bad of ["0", "-1", "v3", "1.5", "٣"]) expect(() => rollbackRequest(bad, "abc123")).toThrow(/not a release version/);
  });
});
