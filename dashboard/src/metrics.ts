// Delivery metrics (DORA's four, plus durations) computed from build records alone. Pure.
//
// The records hold no commit timestamp, so lead time runs from the build's start (CodeBuild starts on the
// push) to the end of its deploy: commit → running as the orchestrator sees it.
import type { Build, Phase, PhaseName } from "./records";

export interface DeliveryMetrics {
  deploysPerDay: { day: string; count: number }[]; // UTC days, oldest first, only days with deploys
  leadTimes: { build: string; seconds: number; at: number }[];
  buildDurations: { build: string; seconds: number; at: number }[];
  deployDurations: { build: string; seconds: number; at: number }[];
  changeFailureRate: number | null; // failed changes / changes that reached release or deploy
  restoreTimes: { build: string; seconds: number; at: number }[]; // failure → next successful deploy
  meanTimeToRestore: number | null;
}

const phase = (b: Build, name: PhaseName): Phase | undefined => b.phases.find((p) => p.name === name);
const label = (b: Build): string => `${b.app} #${b.number}`;

function firstStart(b: Build): number | null {
  const starts = b.phases.map((p) => p.start).filter((s): s is number => s !== null);
  return starts.length ? Math.min(...starts) : null;
}

export function utcDay(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(0, 10);
}

function deployed(b: Build): Phase | null {
  const deploy = phase(b, "deploy");
  return deploy && deploy.state === "succeeded" && deploy.end !== null ? deploy : null;
}

// A change that reached production and failed there: its release, postdeploy or deploy failed.
function failedChange(b: Build): Phase | null {
  for (const name of ["release", "postdeploy", "deploy"] as PhaseName[]) {
    const p = phase(b, name);
    if (p && p.state === "failed") return p;
  }
  return null;
}

export function deliveryMetrics(builds: readonly Build[]): DeliveryMetrics {
  const ordered = [...builds].sort((a, b) => (firstStart(a) ?? 0) - (firstStart(b) ?? 0) || a.number - b.number);
  const perDay = new Map<string, number>();
  const leadTimes: DeliveryMetrics["leadTimes"] = [];
  const buildDurations: DeliveryMetrics["buildDurations"] = [];
  const deployDurations: DeliveryMetrics["deployDurations"] = [];
  let changes = 0;
  let failures = 0;
  for (const b of ordered) {
    const start = firstStart(b);
    const done = deployed(b);
    if (done && done.end !== null) {
      const day = utcDay(done.end);
      perDay.set(day, (perDay.get(day) ?? 0) + 1);
      if (start !== null) leadTimes.push({ build: label(b), seconds: done.end - start, at: done.end });
      if (done.start !== null) deployDurations.push({ build: label(b), seconds: done.end - done.start, at: done.end });
    }
    const built = phase(b, "build");
    const lastBuildStep = phase(b, "finalize") ?? phase(b, "test") ?? built;
    if (built && built.start !== null && lastBuildStep && lastBuildStep.end !== null && lastBuildStep.state !== "started") {
      buildDurations.push({ build: label(b), seconds: lastBuildStep.end - built.start, at: lastBuildStep.end });
    }
    if (done || failedChange(b)) changes += 1;
    if (failedChange(b)) failures += 1;
  }
  // Time to restore: from each failed change to the next deploy that succeeded after it (same app).
  const restoreTimes: DeliveryMetrics["restoreTimes"] = [];
  for (const [i, b] of ordered.entries()) {
    const failed = failedChange(b);
    if (!failed) continue;
    const failedAt = failed.end ?? failed.start;
    if (failedAt === null) continue;
    const next = ordered.slice(i + 1).find((later) => later.app === b.app && deployed(later) && (deployed(later)?.end ?? 0) >= failedAt);
    const restoredAt = next ? deployed(next)?.end : undefined;
    if (next && restoredAt !== undefined && restoredAt !== null) {
      restoreTimes.push({ build: label(b), seconds: restoredAt - failedAt, at: restoredAt });
    }
  }
  const mean = restoreTimes.length ? restoreTimes.reduce((s, r) => s + r.seconds, 0) / restoreTimes.length : null;
  return {
    deploysPerDay: [...perDay.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([day, count]) => ({ day, count })),
    leadTimes,
    buildDurations,
    deployDurations,
    changeFailureRate: changes ? failures / changes : null,
    restoreTimes,
    meanTimeToRestore: mean,
  };
}
