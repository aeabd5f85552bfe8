// Delivery metrics as charts: deploys per day, lead time, build and deploy durations, change failure rate
// and time to restore; for one app or for every app the person may operate.
import type { Context } from "../context";
import { deliveryMetrics } from "../metrics";
import type { Build } from "../records";
import { duration, h, section, table } from "../ui";
import type { View } from "./apps";

const BUILDS_READ = 100; // per app: the newest builds

// Chart.js is loaded on the first view that draws a chart (its own chunk), so the first load stays small.
export async function metricsPanel(builds: Build[]): Promise<HTMLElement> {
  const m = deliveryMetrics(builds);
  if (!builds.length) return h("p", {}, "No builds yet.");
  const { barChart, lineChart } = await import("../charts");
  const minutes = (s: number) => Math.round((s / 60) * 100) / 100;
  const rate = m.changeFailureRate === null ? "-" : `${Math.round(m.changeFailureRate * 100)}%`;
  return h("div", { class: "metrics" },
    h("dl", { class: "figures" },
      h("dt", {}, "Change failure rate"), h("dd", { "data-metric": "change-failure-rate" }, rate),
      h("dt", {}, "Mean time to restore"), h("dd", { "data-metric": "time-to-restore" }, duration(m.meanTimeToRestore)),
      h("dt", {}, "Deploys"), h("dd", { "data-metric": "deploys" }, String(m.deploysPerDay.reduce((s, d) => s + d.count, 0)))),
    h("div", { class: "charts" },
      barChart("Deploys per day (UTC)", m.deploysPerDay.map((d) => d.day), m.deploysPerDay.map((d) => d.count), "deploys"),
      lineChart("Lead time, build start → running", m.leadTimes.map((l) => l.build), [{ label: "lead time", values: m.leadTimes.map((l) => minutes(l.seconds)), colour: "#6a1b9a" }], "minutes"),
      lineChart("Build and deploy durations", m.buildDurations.map((d) => d.build), [
        { label: "build", values: m.buildDurations.map((d) => minutes(d.seconds)), colour: "#1565c0" },
        { label: "deploy", values: m.buildDurations.map((d) => { const found = m.deployDurations.find((x) => x.build === d.build); return found ? minutes(found.seconds) : Number.NaN; }), colour: "#2e7d32" },
      ], "minutes"),
      barChart("Time to restore", m.restoreTimes.map((r) => r.build), m.restoreTimes.map((r) => minutes(r.seconds)), "minutes")),
    h("details", {}, h("summary", {}, "The numbers as a table"),
      table(["Build", "Lead time"], m.leadTimes.map((l) => [l.build, duration(l.seconds)]), "Lead times")));
}

export function accountMetricsView(ctx: Context): View {
  const panel = section("All apps", "metrics", async () => {
    const builds: Build[] = [];
    const errors: Node[] = [];
    for (const app of ctx.apps.keys()) {
      try {
        builds.push(...(await (await ctx.readsWithKind(app)).builds(BUILDS_READ)));
      } catch (error) {
        errors.push(h("p", { class: "error" }, `${app}: ${error instanceof Error ? error.message : String(error)}`));
      }
    }
    return h("div", {}, ...errors, await metricsPanel(builds));
  });
  return { element: h("div", {}, h("h1", { tabindex: -1 }, "Delivery metrics"), panel.element), live: () => false, refresh: panel.refresh };
}
