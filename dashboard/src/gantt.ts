// A build's timeline as Gantt rows: one bar per phase, and one per service for the deploy, in time order.
// Pure: the chart code draws what this returns.
import type { Build, PhaseState } from "./records";

export interface GanttBar {
  label: string; // "build", "release", "deploy web"...
  start: number; // seconds from the build's first start
  end: number;
  state: PhaseState;
  open: boolean; // still running: drawn up to `now`
}

export function ganttBars(build: Build, now: number): GanttBar[] {
  const starts = build.phases.map((p) => p.start).filter((s): s is number => s !== null);
  if (starts.length === 0) return [];
  const origin = Math.min(...starts);
  const bars: GanttBar[] = [];
  for (const phase of build.phases) {
    if (phase.start === null) continue;
    const open = phase.end === null && phase.state === "started";
    const end = phase.end ?? (open ? Math.max(now, phase.start) : phase.start);
    if (phase.name === "deploy" && build.services.length > 0) {
      for (const service of build.services) {
        const serviceEnd = service.updated ?? end;
        const state: PhaseState = service.state === "FAILED" ? "failed" : service.state === "COMPLETED" ? "succeeded" : "started";
        bars.push({
          label: `deploy ${service.process}`,
          start: phase.start - origin,
          end: Math.max(serviceEnd, phase.start) - origin,
          state,
          open: state === "started",
        });
      }
      continue;
    }
    bars.push({ label: phase.name, start: phase.start - origin, end: end - origin, state: phase.state, open });
  }
  return bars;
}
