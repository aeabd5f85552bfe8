// Decoding of the orchestrator's DynamoDB items (AppPack's layout) into typed values. Pure: the items are
// what lib-dynamodb returns (plain JS objects), whatever version of the record wrote them.

export type PhaseName = "build" | "test" | "finalize" | "release" | "postdeploy" | "deploy";
export const PHASES: PhaseName[] = ["build", "test", "finalize", "release", "postdeploy", "deploy"];
export type PhaseState = "started" | "succeeded" | "failed";

export interface Phase {
  name: PhaseName;
  state: PhaseState;
  start: number | null; // unix seconds
  end: number | null;
  logs: string;
  arns: string[];
  error: string | null; // what the orchestrator recorded when the phase failed
}

export interface ServiceDeploy {
  process: string;
  serviceName: string;
  state: string; // ECS deployment state: IN_PROGRESS, COMPLETED, FAILED...
  reasons: string[];
  updated: number | null;
}

export interface Build {
  app: string;
  number: number;
  commit: string;
  codebuildStatus: string;
  phases: Phase[];
  services: ServiceDeploy[];
  error: string | null; // why the build failed, when the record says
  supersededBy: number | null; // a newer build was deploying: this one deploys nothing
}

export interface DeployStatus {
  phase: string;
  buildNumber: number | null;
  commit: string;
  failed: boolean;
  lastUpdate: number | null;
  processes: { name: string; cpu: number; memory: number; minProcesses: number; maxProcesses: number; state: string; command: string }[];
}

type Item = Record<string, unknown>;

function num(value: unknown): number | null {
  if (value === undefined || value === null || value === "") return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

function str(value: unknown): string {
  return value === undefined || value === null ? "" : String(value);
}

function asItem(value: unknown): Item {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Item) : {};
}

const STATES: PhaseState[] = ["started", "succeeded", "failed"];

export function decodePhase(name: PhaseName, value: unknown): Phase | null {
  const item = asItem(value);
  const state = str(item.state) as PhaseState;
  if (!STATES.includes(state)) return null;
  const arns = Array.isArray(item.arns) ? item.arns.map(str) : [];
  const error = item.error ? str(item.error) : null;
  return { name, state, start: num(item.start), end: num(item.end), logs: str(item.logs), arns, error };
}

// The first error message the record holds: a failed task's stop reason or exit code, a deployment's reasons,
// or a recorded error field.
function buildError(item: Item, phases: Phase[], services: ServiceDeploy[]): string | null {
  const recorded = phases.find((p) => p.state === "failed" && p.error);
  if (recorded) return recorded.error;
  for (const key of ["error", "release_error", "deploy_error"]) {
    if (typeof item[key] === "string" && item[key]) return item[key] as string;
  }
  const tasks = asItem(item.tasks);
  for (const [step, value] of Object.entries(tasks)) {
    const task = asItem(value);
    const code = num(task.exit_code);
    if (code !== null && code !== 0) {
      return `${step} task exited with code ${code}${task.stopped_reason ? ` (${str(task.stopped_reason)})` : ""}`;
    }
    if (task.failure) return `${step} task: ${str(task.failure)}`;
  }
  const failed = services.find((s) => s.state === "FAILED" || s.reasons.length > 0);
  if (failed) return `${failed.serviceName}: ${failed.reasons.join("; ") || failed.state}`;
  if (item.codebuild_status === "FAILED" || item.codebuild_status === "FAULT" || item.codebuild_status === "TIMED_OUT") {
    return `CodeBuild ${str(item.codebuild_status)}`;
  }
  return null;
}

export function decodeBuild(value: unknown): Build {
  const item = asItem(value);
  const phases = PHASES.map((name) => decodePhase(name, item[name])).filter((p): p is Phase => p !== null);
  const services = Object.entries(asItem(item.services)).map(([process, raw]) => {
    const s = asItem(raw);
    return {
      process,
      serviceName: str(s.service_name) || process,
      state: str(s.state),
      reasons: Array.isArray(s.reasons) ? s.reasons.map(str) : [],
      updated: num(s.updated),
    };
  });
  const hasFailure = phases.some((p) => p.state === "failed");
  return {
    app: str(item.app),
    number: num(item.build_number) ?? 0,
    commit: str(item.commit),
    codebuildStatus: str(item.codebuild_status),
    phases,
    services,
    error: hasFailure ? buildError(item, phases, services) : null,
    supersededBy: num(item.superseded_by),
  };
}

// The build's overall state. It is under way until a phase fails, its deploy succeeds or a newer build
// supersedes it: between two phases no phase is "started", and the build is still under way.
export function buildState(build: Build): "failed" | "running" | "deployed" | "superseded" {
  if (build.phases.some((p) => p.state === "failed")) return "failed";
  if (build.phases.some((p) => p.name === "deploy" && p.state === "succeeded")) return "deployed";
  if (build.supersededBy !== null) return "superseded";
  return "running";
}

export function failedPhase(build: Build): Phase | null {
  return build.phases.find((p) => p.state === "failed") ?? null;
}

export function decodeDeployStatus(item: unknown): DeployStatus | null {
  const value = asItem(asItem(item).value);
  if (Object.keys(value).length === 0) return null;
  const processes = (Array.isArray(value.processes) ? value.processes : []).map((raw) => {
    const p = asItem(raw);
    return {
      name: str(p.name),
      cpu: num(p.cpu) ?? 0,
      memory: num(p.memory) ?? 0,
      minProcesses: num(p.min_processes) ?? 0,
      maxProcesses: num(p.max_processes) ?? 0,
      state: str(p.state),
      command: str(p.command),
    };
  });
  return {
    phase: str(value.phase),
    buildNumber: num(value.build_number),
    commit: str(value.commit),
    failed: value.failed === true,
    lastUpdate: num(value.last_update),
    processes,
  };
}

// A build's record key: BUILD#<10-digit zero-padded number>.
export function buildKey(number: number): string {
  return `BUILD#${String(number).padStart(10, "0")}`;
}

export function settingsOf(item: unknown): { kind: string; codebuildProject: string; cluster: string; logGroup: string } {
  const top = asItem(item);
  const value = asItem(top.value);
  return {
    kind: str(top.kind) || "app",
    codebuildProject: str(asItem(value.codebuild_project).name),
    cluster: str(asItem(value.cluster).name),
    logGroup: str(asItem(value.log_group).name),
  };
}

export interface Release {
  version: number;
  kind: string;
  description: string;
  buildNumber: number | null;
  status: string;
  caller: string;
  at: number | null;
}

export function decodeRelease(item: unknown): Release {
  const r = asItem(item);
  return {
    version: num(r.version) ?? 0,
    kind: str(r.kind),
    description: str(r.description),
    buildNumber: num(r.build_number),
    status: str(r.status),
    caller: str(r.caller),
    at: num(r.at),
  };
}

// A phase's `logs` pointer: s3://bucket/key or cloudwatch://<group>#<stream>.
export function parseLogPointer(pointer: string): { kind: "s3" | "cloudwatch"; where: string; name: string } | null {
  const s3 = /^s3:\/\/([^/]+)\/(.+)$/.exec(pointer);
  if (s3) return { kind: "s3", where: s3[1], name: s3[2] };
  const cw = /^cloudwatch:\/\/([^#]+)#(.+)$/.exec(pointer);
  if (cw) return { kind: "cloudwatch", where: cw[1], name: cw[2] };
  return null;
}
