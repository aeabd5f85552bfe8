// One build: its timeline as a Gantt chart (and the same data as a table), the failing phase with the
// recorded error and its log excerpt. Refreshes while the build or its deploy is under way.
import type { Context } from "../context";
import { ganttBars } from "../gantt";
import { buildState, failedPhase } from "../records";
import { duration, h, link, section, table, when } from "../ui";
import type { View } from "./apps";

export function buildView(ctx: Context, key: string, number: number): View {
  let running = true;
  const timeline = section("Timeline", "timeline", async () => {
    const reads = await ctx.readsWithKind(key);
    const build = await reads.build(number);
    if (!build) {
      running = true; // CodeBuild has started it; the first phase event is on its way
      return h("p", {}, `Build #${number} has no record yet.`);
    }
    const state = buildState(build);
    running = state === "running";
    const bars = ganttBars(build, Date.now() / 1000);
    const failed = failedPhase(build);
    const parts: Node[] = [
      h("p", { class: `build-state state ${state}`, "data-state": state }, `Build #${build.number} ${state}`,
        build.commit ? ` · commit ${build.commit.slice(0, 12)}` : ""),
    ];
    if (bars.length) {
      const { ganttChart } = await import("../charts"); // its own chunk: only the views with charts load Chart.js
      parts.push(ganttChart(bars, `Timeline of build #${build.number}: ${bars.map((b) => `${b.label} ${b.state}`).join(", ")}`));
      const origin = Math.min(...build.phases.map((p) => p.start ?? Infinity));
      parts.push(table(["Step", "State", "Start", "Duration"], bars.map((b) => [
        b.label, h("span", { class: `state ${b.state}` }, b.state), when(origin + b.start), duration(b.end - b.start) + (b.open ? " so far" : ""),
      ]), "Steps of the build"));
    }
    if (failed) {
      const failure = h("div", { class: "failure", role: "alert", "data-failed-phase": failed.name },
        h("h3", {}, `${failed.name} failed`),
        h("p", { class: "error" }, build.error ?? "the record gives no reason"));
      parts.push(failure);
      if (failed.logs) {
        try {
          const lines = await reads.logExcerpt(failed.logs);
          failure.append(lines === null
            ? h("p", { class: "muted" }, `Log: ${failed.logs} (read it with \`orchestrator build status ${build.number} -a ${key}\`)`)
            : h("pre", { class: "log", tabindex: 0, "aria-label": `last lines of the ${failed.name} log` }, lines.join("\n") || "(empty log)"));
        } catch (error) {
          failure.append(h("p", { class: "error" }, `log: ${error instanceof Error ? error.message : String(error)}`));
        }
      }
    }
    return h("div", {}, ...parts);
  });
  const element = h("div", {},
    h("p", {}, link(`#/apps/${encodeURIComponent(key)}`, `← ${key}`)),
    h("h1", { tabindex: -1 }, `${key} · build #${number}`),
    timeline.element);
  return { element, live: () => running, refresh: timeline.refresh };
}
