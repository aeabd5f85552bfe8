import { describe, expect, it } from "vitest";
import { buildKey, buildState, decodeBuild, decodeDeployStatus, failedPhase, parseLogPointer } from "../src/records";

const phase = (state: string, start: number, end?: number, extra: Record<string, unknown> = {}) => ({
  state, start, ...(end === undefined ? {} : { end }), logs: "", arns: [], ...extra,
});

describe("decodeBuild", () => {
  it("reads the phases in pipeline order and skips absent ones", () => {
    const build = decodeBuild({
      app: "shop", build_number: "3", commit: "abc",
      deploy: phase("started", 30), build: phase("succeeded", 0, 10), release: phase("succeeded", 10, 30),
    });
    expect(build.number).toBe(3);
    expect(build.phases.map((p) => p.name)).toEqual(["build", "release", "deploy"]);
    expect(buildState(build)).toBe("running");
    expect(build.error).toBeNull();
  });

  it("names the failing phase and the recorded error", () => {
    const build = decodeBuild({
      app: "shop", build_number: 2,
      build: phase("succeeded", 0, 10),
      release: phase("failed", 10, 20, { error: "release task exited with code 3", logs: "cloudwatch:///g#s" }),
    });
    expect(buildState(build)).toBe("failed");
    expect(failedPhase(build)?.name).toBe("release");
    expect(build.error).toBe("release task exited with code 3");
  });

  it("falls back to a failed task's exit code", () => {
    const build = decodeBuild({
      build_number: 4, release: phase("failed", 1, 2), tasks: { release: { exit_code: "1", stopped_reason: "Essential container in task exited" } },
    });
    expect(build.error).toBe("release task exited with code 1 (Essential container in task exited)");
  });

  it("is under way between two phases, until deployed or superseded", () => {
    const between = decodeBuild({ build: phase("succeeded", 0, 10), test: phase("succeeded", 10, 20) });
    expect(buildState(between)).toBe("running");
    expect(buildState(decodeBuild({ build: phase("succeeded", 0, 10), superseded_by: 5 }))).toBe("superseded");
    expect(buildState(decodeBuild({ build: phase("succeeded", 0, 1), deploy: phase("succeeded", 1, 2) }))).toBe("deployed");
  });

  it("ignores a phase with an unknown state rather than inventing one", () => {
    expect(decodeBuild({ build: { state: "weird", start: 1 } }).phases).toEqual([]);
  });
});

describe("decodeDeployStatus", () => {
  it("reads AppPack's value map, numbers given as strings", () => {
    const status = decodeDeployStatus({
      value: { phase: "complete", build_number: "7", failed: false, processes: [{ name: "web", cpu: "256", memory: "512", min_processes: 1, max_processes: 4, state: "running" }] },
    });
    expect(status?.buildNumber).toBe(7);
    expect(status?.processes[0]).toMatchObject({ name: "web", cpu: 256, maxProcesses: 4 });
  });
  it("is null before the first deploy", () => expect(decodeDeployStatus(undefined)).toBeNull());
});

describe("keys and pointers", () => {
  it("pads build numbers to ten digits", () => expect(buildKey(42)).toBe("BUILD#0000000042"));
  it("parses both log pointer forms", () => {
    expect(parseLogPointer("s3://bucket/shop/1/build.log")).toEqual({ kind: "s3", where: "bucket", name: "shop/1/build.log" });
    expect(parseLogPointer("cloudwatch:///orchestrator/apps/shop#shop-web/app/t1")).toEqual({
      kind: "cloudwatch", where: "/orchestrator/apps/shop", name: "shop-web/app/t1",
    });
    expect(parseLogPointer("ftp://x")).toBeNull();
  });
});
