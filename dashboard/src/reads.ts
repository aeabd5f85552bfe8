// What the dashboard reads: the same records, parameters and services the CLI reads, and nothing else.
import { DescribeLogStreamsCommand, GetLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { DescribeServicesCommand } from "@aws-sdk/client-ecs";
import { DescribeParametersCommand, GetParameterCommand, paginateGetParametersByPath } from "@aws-sdk/client-ssm";
import { GetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { Clients } from "./aws";
import { FAILED_LOG_LINES, TAIL_BYTES, startsAtZero, tailLines } from "./logtail";
import type { SiteConfig } from "./config";
import { type AppRef, parameterBase } from "./paths";
import { type Build, type DeployStatus, type Release, buildKey, decodeBuild, decodeDeployStatus, decodeRelease, parseLogPointer, settingsOf } from "./records";

export class AppReads {
  constructor(readonly config: SiteConfig, readonly clients: Clients, readonly ref: AppRef) {}

  private pk(): string {
    return `APP#${this.ref.key}`;
  }

  private async get(pk: string, sk: string): Promise<Record<string, unknown> | undefined> {
    const found = await this.clients.dynamodb.send(new GetCommand({ TableName: this.config.tableName, Key: { primary_id: pk, secondary_id: sk } }));
    return found.Item;
  }

  private async query(prefix: string, limit: number): Promise<Record<string, unknown>[]> {
    const found = await this.clients.dynamodb.send(new QueryCommand({
      TableName: this.config.tableName,
      KeyConditionExpression: "primary_id = :pk AND begins_with(secondary_id, :sk)",
      ExpressionAttributeValues: { ":pk": this.pk(), ":sk": prefix },
      ScanIndexForward: false,
      Limit: limit,
    }));
    return found.Items ?? [];
  }

  async settings(): Promise<ReturnType<typeof settingsOf>> {
    const item = await this.get(`APP#${this.ref.name}`, "settings");
    if (!item) throw new Error(`unknown app ${this.ref.name}`);
    return settingsOf(item);
  }

  async deployStatus(): Promise<DeployStatus | null> {
    const item = this.ref.pr === null ? await this.get(this.pk(), "DEPLOYSTATUS") : await this.get(`APP#${this.ref.name}`, `DEPLOYSTATUS#${this.ref.pr}`);
    return decodeDeployStatus(item);
  }

  async builds(limit = 20): Promise<Build[]> {
    return (await this.query("BUILD#", limit)).map(decodeBuild);
  }

  async build(number: number): Promise<Build | null> {
    const item = await this.get(this.pk(), buildKey(number));
    return item ? decodeBuild(item) : null;
  }

  async releases(limit = 20): Promise<Release[]> {
    return (await this.query("RELEASE#", limit)).map(decodeRelease);
  }

  async url(): Promise<string | null> {
    const route = await this.get(this.pk(), "ROUTE#web");
    const hosts = Array.isArray(route?.hosts) ? (route.hosts as string[]) : [];
    if (!hosts.length) return null;
    const port = this.config.appsPort ? `:${this.config.appsPort}` : "";
    return `${this.config.endpoint ? "http" : "https"}://${hosts[0]}${port}/`;
  }

  // --- parameters ---

  private async jsonParameter(kind: string): Promise<unknown> {
    try {
      const found = await this.clients.ssm.send(new GetParameterCommand({ Name: `${parameterBase(this.config.parameterPrefix, this.ref)}/${kind}` }));
      return JSON.parse(found.Parameter?.Value ?? "null");
    } catch (error) {
      if (error instanceof Error && error.name === "ParameterNotFound") return null;
      throw error;
    }
  }

  async scaling(): Promise<Record<string, Record<string, number>>> {
    const value = await this.jsonParameter("scaling");
    return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, Record<string, number>>) : {};
  }

  async scheduledTasks(): Promise<{ schedule: string; command: string }[]> {
    const value = await this.jsonParameter("scheduled-tasks");
    return Array.isArray(value) ? (value as { schedule: string; command: string }[]) : [];
  }

  async accessList(): Promise<string[]> {
    const value = await this.jsonParameter("users");
    return Array.isArray(value) ? value.map(String) : [];
  }

  // Config variable names only (DescribeParameters returns no values).
  async configNames(): Promise<string[]> {
    const path = `${parameterBase(this.config.parameterPrefix, this.ref)}/config`;
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.clients.ssm.send(new DescribeParametersCommand({
        ParameterFilters: [{ Key: "Path", Option: "OneLevel", Values: [path] }], NextToken: token,
      }));
      names.push(...(page.Parameters ?? []).map((p) => String(p.Name).split("/").pop() ?? ""));
      token = page.NextToken;
    } while (token);
    return names.sort();
  }

  // One value, decrypted, fetched only when asked for.
  async configValue(name: string): Promise<string> {
    const found = await this.clients.ssm.send(new GetParameterCommand({
      Name: `${parameterBase(this.config.parameterPrefix, this.ref)}/config/${name}`, WithDecryption: true,
    }));
    return found.Parameter?.Value ?? "";
  }

  async reviewApps(): Promise<string[]> {
    const path = `${parameterBase(this.config.parameterPrefix, this.ref)}/review-apps/pr`;
    const names: string[] = [];
    // A page holds at most 10 parameters: a pipeline with more review apps needs every page.
    for await (const page of paginateGetParametersByPath({ client: this.clients.ssm }, { Path: path, Recursive: false })) {
      names.push(...(page.Parameters ?? []).map((p) => String(p.Name).split("/").pop() ?? ""));
    }
    return names.filter((n) => /^[1-9][0-9]*$/.test(n)).sort((a, b) => Number(a) - Number(b));
  }

  // --- services and logs ---

  async services(cluster: string, processes: string[]): Promise<Map<string, { running: number; desired: number; status: string }>> {
    const found = new Map<string, { running: number; desired: number; status: string }>();
    if (!processes.length) return found;
    const ecsName = (p: string) => (this.ref.pr === null ? `${this.ref.name}-${p}` : `${this.ref.name}-pr${this.ref.pr}-${p}`);
    const described = await this.clients.ecs.send(new DescribeServicesCommand({ cluster, services: processes.map(ecsName) }));
    for (const s of described.services ?? []) {
      const process = processes.find((p) => ecsName(p) === s.serviceName);
      if (process) found.set(process, { running: s.runningCount ?? 0, desired: s.desiredCount ?? 0, status: s.status ?? "" });
    }
    return found;
  }

  // The last lines of a phase's log (as `build status` shows them): the uploaded build.log's tail from S3, or
  // the CloudWatch stream's last events. null when the pointer is of no known form or the log is not there.
  async logExcerpt(pointer: string, lines = FAILED_LOG_LINES): Promise<string[] | null> {
    const parsed = parseLogPointer(pointer);
    if (!parsed) return null;
    if (parsed.kind === "s3") {
      const { GetObjectCommand } = await import("@aws-sdk/client-s3");
      try {
        const found = await (await this.clients.s3()).send(new GetObjectCommand({ Bucket: parsed.where, Key: parsed.name, Range: `bytes=-${TAIL_BYTES}` }));
        return tailLines((await found.Body?.transformToString()) ?? "", startsAtZero(found.ContentRange), lines);
      } catch (error) {
        if (error instanceof Error && (error.name === "NoSuchKey" || error.name === "InvalidRange")) return error.name === "NoSuchKey" ? null : [];
        throw error;
      }
    }
    const found = await this.clients.logs.send(new GetLogEventsCommand({
      logGroupName: parsed.where, logStreamName: parsed.name, limit: lines, startFromHead: false,
    }));
    return (found.events ?? []).map((e) => String(e.message ?? ""));
  }

  async logStreams(): Promise<number> {
    const settings = await this.settings();
    const found = await this.clients.logs.send(new DescribeLogStreamsCommand({ logGroupName: settings.logGroup, limit: 1 }));
    return (found.logStreams ?? []).length;
  }
}
