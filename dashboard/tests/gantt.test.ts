import { describe, expect, it } from "vitest";
import { ganttBars } from "../src/gantt";
import { decodeBuild } from "../src/records";

describe("ganttBars", () => {
  it("places phases relative to the build's start, one deploy bar per service", () => {
    const build = decodeBuild({
      build_number: 1,
      build: { state: "succeeded", start: 100, end: 130 },
      test: { state: "succeeded", start: 130, end: 140 },
      release: { state: "succeeded", start: 140, end: 150 },
      deploy: { state: "started", start: 150 },
      services: { web: { service_name: "shop-web", state: "COMPLETED", updated: 170 }, worker: { service_name: "shop-worker", state: "IN_PROGRESS" } },
    });
    const bars = ganttBars(build, 200);
    expect(bars.map((b) => [b.label, b.start, b.end, b.state])).toEqual([
      ["build", 0, 30, "succeeded"],
      ["test", 30, 40, "succeeded"],
      ["release", 40, 50, "succeeded"],
      ["deploy web", 50, 70, "succeeded"],
      ["deploy worker", 50, 100, "started"],
    ]);
    expect(bars[4].open).toBe(true);
  });

  it("draws a running phase up to now, and nothing before the first phase", () => {
    expect(ganttBars(decodeBuild({ build_number: 1 }), 50)).toEqual([]);
    const bars = ganttBars(decodeBuild({ build: { state: "started", start: 10 } }), 25);
    expect(bars).toEqual([{ label: "build", start: 0, end: 15, state: "started", open: true }]);
  });

  it("marks the failing phase", () => {
    const bars = ganttBars(decodeBuild({ build: { state: "succeeded", start: 0, end: 5 }, release: { state: "failed", start: 5, end: 9 } }), 99);
    expect(bars.at(-1)).toMatchObject({ label: "release", state: "failed", end: 9 });
  });
});
