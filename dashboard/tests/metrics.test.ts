import { describe, expect, it } from "vitest";
import { deliveryMetrics } from "../src/metrics";
import { decodeBuild } from "../src/records";

const DAY = 86400;
const ok = (n: number, t: number) => decodeBuild({
  app: "shop", build_number: n,
  build: { state: "succeeded", start: t, end: t + 60 }, finalize: { state: "succeeded", start: t + 60, end: t + 90 },
  release: { state: "succeeded", start: t + 90, end: t + 100 }, deploy: { state: "succeeded", start: t + 100, end: t + 160 },
});
const releaseFailed = (n: number, t: number) => decodeBuild({
  app: "shop", build_number: n, build: { state: "succeeded", start: t, end: t + 60 }, release: { state: "failed", start: t + 60, end: t + 70 },
});
const buildFailed = (n: number, t: number) => decodeBuild({ app: "shop", build_number: n, build: { state: "failed", start: t, end: t + 5 } });

describe("deliveryMetrics", () => {
  const builds = [ok(1, 0), releaseFailed(2, DAY), ok(3, DAY + 1000), buildFailed(4, 2 * DAY), ok(5, 2 * DAY + 500)];
  const m = deliveryMetrics(builds);

  it("counts deploys per UTC day", () => {
    expect(m.deploysPerDay).toEqual([
      { day: "1970-01-01", count: 1 }, { day: "1970-01-02", count: 1 }, { day: "1970-01-03", count: 1 },
    ]);
  });
  it("measures lead time from the build's start to its deploy's end, and the phase durations", () => {
    expect(m.leadTimes.map((l) => l.seconds)).toEqual([160, 160, 160]);
    // A failed build has a duration too: up to where it stopped.
    expect(m.buildDurations.map((d) => d.seconds)).toEqual([90, 60, 90, 5, 90]);
    expect(m.deployDurations.map((d) => d.seconds)).toEqual([60, 60, 60]);
  });
  it("counts only changes that reached production for the failure rate (a failed build is not a change)", () => {
    expect(m.changeFailureRate).toBeCloseTo(1 / 4);
  });
  it("measures time to restore from the failure to the next successful deploy", () => {
    expect(m.restoreTimes).toEqual([{ build: "shop #2", seconds: DAY + 1160 - (DAY + 70), at: DAY + 1160 }]);
    expect(m.meanTimeToRestore).toBe(1090);
  });
  it("is empty without builds", () => {
    expect(deliveryMetrics([])).toMatchObject({ changeFailureRate: null, meanTimeToRestore: null, deploysPerDay: [] });
  });
});
