import { describe, expect, it } from "vitest";
import { parseConfig } from "../src/config";
import { appRef, parameterBase, parseCount, sortedJson } from "../src/paths";

describe("parameter paths", () => {
  it("follows orchestrator/parameters/names.py", () => {
    expect(parameterBase("/apppack", appRef("shop", "app"))).toBe("/apppack/apps/shop");
    expect(parameterBase("/apppack", appRef("pipe", "pipeline"))).toBe("/apppack/pipelines/pipe");
    expect(parameterBase("/apppack", appRef("pipe:12", "pipeline"))).toBe("/apppack/pipelines/pipe/review-apps/pr/12");
  });
  it("writes JSON as Python's json.dumps(sort_keys=True) does", () => {
    expect(sortedJson({ web: { min_processes: 1, cpu: 256 }, api: [1, "a"] })).toBe('{"api": [1, "a"], "web": {"cpu": 256, "min_processes": 1}}');
  });
  it("reads counts as `ps scale` does", () => {
    expect(parseCount("2")).toEqual([2, 2]);
    expect(parseCount(" 1-4 ")).toEqual([1, 4]);
    expect(() => parseCount("4-1")).toThrow("minimum is above the maximum");
    expect(() => parseCount("two")).toThrow("expected a number");
  });
});

describe("config.json", () => {
  const local = { region: "us-east-1", endpoint: "http://127.0.0.1:8765/aws", tableName: "apppack", parameterPrefix: "apppack", cluster: "orchestrator", auth: { mode: "local" } };
  it("normalises the prefix and keeps the endpoint", () => {
    expect(parseConfig(local)).toMatchObject({ parameterPrefix: "/apppack", endpoint: "http://127.0.0.1:8765/aws", auth: { mode: "local" } });
  });
  it("requires every Cognito field", () => {
    expect(() => parseConfig({ ...local, auth: { mode: "cognito", userPoolId: "p" } })).toThrow('"userPoolClientId"');
    expect(() => parseConfig({ ...local, auth: { mode: "saml" } })).toThrow("auth.mode");
  });
});
