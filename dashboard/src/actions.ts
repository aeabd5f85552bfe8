// The CLI's actions, done the way the CLI does them: parameter writes (the orchestrator reacts to the change
// events) and CodeBuild's StartBuild. AWS refuses what the users role does not allow; the caller shows why.
import { StartBuildCommand } from "@aws-sdk/client-codebuild";
import { UpdateServiceCommand } from "@aws-sdk/client-ecs";
import { PutParameterCommand } from "@aws-sdk/client-ssm";
import type { AppReads } from "./reads";
import { CONFIG_NAME, SSM_VALUE_MAX_BYTES, parameterBase, parseCount, sortedJson } from "./paths";
import type { DeployStatus } from "./records";

export async function startBuild(reads: AppReads): Promise<number | null> {
  const settings = await reads.settings();
  if (!settings.codebuildProject) throw new Error(`app ${reads.ref.key} has no CodeBuild project in its settings`);
  const started = await reads.clients.codebuild.send(new StartBuildCommand({
    projectName: settings.codebuildProject, ...(reads.ref.pr ? { sourceVersion: `pr/${reads.ref.pr}` } : {}),
  }));
  return started.build?.buildNumber ?? null;
}

// A process type's defaults when the scaling parameter does not name it: what runs now (DEPLOYSTATUS).
function processDefaults(status: DeployStatus | null, process: string): Record<string, number> {
  const running = status?.processes.find((p) => p.name === process);
  if (!running) return { cpu: 256, memory: 512, min_processes: 1, max_processes: 1 };
  return { cpu: running.cpu, memory: running.memory, min_processes: running.minProcesses, max_processes: running.maxProcesses };
}

// `orchestrator ps scale <process> <count>`: the scaling parameter with this process's min/max changed.
export async function scale(reads: AppReads, process: string, count: string): Promise<string> {
  const [low, high] = parseCount(count);
  const status = await reads.deployStatus().catch((error: unknown) => {
    // A role that may not read the record may still be allowed to write the parameter; AWS decides on the write.
    if (error instanceof Error && error.name === "AccessDeniedException") return null;
    throw error;
  });
  const known = status?.processes.map((p) => p.name) ?? [];
  if (known.length && !known.includes(process)) throw new Error(`unknown process type ${process} (running: ${known.join(", ")})`);
  let scaling: Record<string, Record<string, number>> = {};
  try {
    scaling = await reads.scaling();
  } catch (error) {
    // A role that may not read the parameter may still be allowed to write it; AWS decides on the write.
    if (!(error instanceof Error && error.name === "AccessDeniedException")) throw error;
  }
  const entry = { ...processDefaults(status, process), ...(scaling[process] ?? {}), min_processes: low, max_processes: high };
  const value = sortedJson({ ...scaling, [process]: entry });
  await reads.clients.ssm.send(new PutParameterCommand({
    Name: `${parameterBase(reads.config.parameterPrefix, reads.ref)}/scaling`, Value: value, Type: "String", Overwrite: true,
  }));
  return value;
}

// `orchestrator ps restart`: a new deployment of each service, same task definition.
export async function restart(reads: AppReads, cluster: string, processes: string[]): Promise<void> {
  for (const process of processes) {
    const service = reads.ref.pr === null ? `${reads.ref.name}-${process}` : `${reads.ref.name}-pr${reads.ref.pr}-${process}`;
    await reads.clients.ecs.send(new UpdateServiceCommand({ cluster, service, forceNewDeployment: true }));
  }
}

// `orchestrator config set NAME=value`: a SecureString under the app's config path.
export async function setConfig(reads: AppReads, name: string, value: string): Promise<void> {
  if (!CONFIG_NAME.test(name)) throw new Error(`${JSON.stringify(name)} is not a config variable name (letters, digits, _ . -; not starting with a digit)`);
  if (value === "") throw new Error(`${name}: an empty value cannot be stored (unset the variable instead)`);
  if (new TextEncoder().encode(value).length > SSM_VALUE_MAX_BYTES) throw new Error(`${name}: the value is over 4 KB (Parameter Store's Standard tier)`);
  await reads.clients.ssm.send(new PutParameterCommand({
    Name: `${parameterBase(reads.config.parameterPrefix, reads.ref)}/config/${name}`, Value: value, Type: "SecureString", Overwrite: true,
  }));
}

// `orchestrator rollback -a APP [VERSION]`: the request the CLI writes to the app's rollback parameter. The
// orchestrator checks it (an unknown version or an image gone is refused, and `releases` shows why) and
// performs it; the page, like the CLI, never touches services or task definitions itself.
export function rollbackRequest(version: string, request: string): string {
  const wanted = version.trim();
  if (wanted !== "" && !/^[1-9][0-9]*$/.test(wanted)) throw new Error(`${JSON.stringify(version)} is not a release version (1, 2, …; empty: the previous deployed release)`);
  return sortedJson(wanted === "" ? { request } : { request, version: Number(wanted) });
}

export async function rollback(reads: AppReads, version: string): Promise<string> {
  const request = crypto.randomUUID().replace(/-/g, "").slice(0, 16);
  await reads.clients.ssm.send(new PutParameterCommand({
    Name: `${parameterBase(reads.config.parameterPrefix, reads.ref)}/rollback`, Value: rollbackRequest(version, request), Type: "String", Overwrite: true,
  }));
  return request;
}
