// One app: processes (what runs, scaling, autoscaling) with scale and restart, builds newest first with
// "start build", config variable names (a value on request) with "set", scheduled tasks, access list,
// releases and its delivery metrics.
import { restart, rollback, scale, setConfig, startBuild } from "../actions";
import type { Context } from "../context";
import type { AppReads } from "../reads";
import { buildState } from "../records";
import { actionForm, errorLine, field, h, link, section, table, when } from "../ui";
import type { View } from "./apps";
import { metricsPanel } from "./metrics";

function processesSection(ctx: Context, key: string) {
  return section("Processes", "processes", async () => {
    const reads = await ctx.readsWithKind(key);
    const parts: Node[] = [];
    const [status, scaling] = await Promise.all([
      reads.deployStatus().catch((error: unknown) => { parts.push(errorLine(error)); return null; }),
      reads.scaling().catch((error: unknown): Record<string, Record<string, number>> => { parts.push(errorLine(error)); return {}; }),
    ]);
    const processes = status?.processes ?? [];
    let services = new Map<string, { running: number; desired: number; status: string }>();
    try {
      const settings = await reads.settings();
      services = await reads.services(settings.cluster || ctx.config.cluster, processes.map((p) => p.name));
    } catch (error) {
      parts.push(errorLine(error));
    }
    if (status) {
      parts.push(h("p", { class: status.failed ? "error" : "" }, `Deployed: build #${status.buildNumber ?? "-"} · ${status.phase}${status.failed ? " (failed)" : ""} · updated ${when(status.lastUpdate)}`));
    }
    parts.push(table(["Process", "Running", "Desired", "Scaling", "CPU", "Memory", "Command"], processes.map((p) => {
      const wanted = scaling[p.name] ?? {};
      const low = wanted.min_processes ?? p.minProcesses;
      const high = wanted.max_processes ?? p.maxProcesses;
      const service = services.get(p.name);
      return [p.name, service ? String(service.running) : "-", service ? String(service.desired) : "-",
        low === high ? `${low} (fixed)` : `autoscaling ${low}-${high}`, String(wanted.cpu ?? p.cpu), `${wanted.memory ?? p.memory} MiB`, h("code", {}, p.command)];
    }), "Processes"));
    const names = processes.map((p) => p.name);
    const processInput = h("input", { name: "process", required: true, list: "process-names", autocomplete: "off", value: names[0] ?? "web" });
    parts.push(h("datalist", { id: "process-names" }, ...names.map((n) => h("option", { value: n }))));
    parts.push(actionForm("Scale", [field("scale-process", "Process", processInput), field("scale-count", "Count (2, or 1-4 for autoscaling)", h("input", { name: "count", required: true, inputmode: "numeric", pattern: "[0-9]+(-[0-9]+)?" }))],
      async (form) => {
        const data = new FormData(form);
        const value = await scale(reads, String(data.get("process")), String(data.get("count")));
        return `scaling written: ${value}`;
      }, "scale"));
    parts.push(actionForm("Restart all processes", [], async () => {
      if (!names.length) throw new Error(`${key} has no deployed processes yet`);
      await restart(reads, ctx.config.cluster, names);
      return `restarting ${names.join(", ")}`;
    }, "restart"));
    return h("div", {}, ...parts);
  });
}

function buildsSection(ctx: Context, key: string, running: { value: boolean }) {
  return section("Builds", "builds", async () => {
    const reads = await ctx.readsWithKind(key);
    const builds = await reads.builds(20);
    running.value = builds.some((b) => buildState(b) === "running");
    const start = actionForm("Start a build", [], async () => {
      const number = await startBuild(reads);
      return number === null ? "build started" : `build #${number} started`;
    }, "start-build");
    return h("div", {}, start, builds.length === 0 ? h("p", {}, "No builds yet.") : table(["Build", "State", "Commit", "Started"], builds.map((b) => [
      link(`#/apps/${encodeURIComponent(key)}/builds/${b.number}`, `#${b.number}`),
      h("span", { class: `state ${buildState(b)}` }, buildState(b)),
      h("code", {}, b.commit.slice(0, 12)),
      when(b.phases[0]?.start ?? null),
    ]), "Builds, newest first"));
  });
}

function configSection(ctx: Context, key: string) {
  return section("Config", "config", async () => {
    const reads = await ctx.readsWithKind(key);
    const names = await reads.configNames();
    const rows = names.map((name) => {
      const value = h("span", { class: "value", id: `config-value-${name}` }, "••••••");
      const button = h("button", { type: "button", "aria-controls": `config-value-${name}` }, `Show ${name}`);
      button.addEventListener("click", () => {
        value.textContent = "…";
        reads.configValue(name).then((v) => { value.textContent = v; }, (error: unknown) => { value.replaceChildren(errorLine(error)); });
      });
      return [h("code", {}, name), value, button];
    });
    const set = actionForm("Set", [field("config-name", "Name", h("input", { name: "name", required: true, autocomplete: "off" })), field("config-value", "Value", h("input", { name: "value", required: true, type: "password", autocomplete: "off" }))],
      async (form) => {
        const data = new FormData(form);
        await setConfig(reads, String(data.get("name")), String(data.get("value")));
        return `${String(data.get("name"))} set`;
      }, "config-set");
    return h("div", {}, names.length ? table(["Variable", "Value", ""], rows, "Config variables (values are fetched only when you ask)") : h("p", {}, "No config variables."), set);
  });
}

function simpleSection(ctx: Context, key: string, title: string, id: string, render: (reads: AppReads) => Promise<Node>) {
  return section(title, id, async () => render(await ctx.readsWithKind(key)));
}

export function appView(ctx: Context, key: string): View {
  const running = { value: false };
  const builds = buildsSection(ctx, key, running);
  const processes = processesSection(ctx, key);
  const sections = [
    processes,
    builds,
    configSection(ctx, key),
    simpleSection(ctx, key, "Scheduled tasks", "scheduled-tasks", async (reads) => {
      const tasks = await reads.scheduledTasks();
      return tasks.length ? table(["Schedule (UTC)", "Command"], tasks.map((t) => [h("code", {}, t.schedule), h("code", {}, t.command)])) : h("p", {}, "No scheduled tasks.");
    }),
    simpleSection(ctx, key, "Access", "access", async (reads) => {
      const users = await reads.accessList();
      return users.length ? h("ul", {}, ...users.map((u) => h("li", {}, u))) : h("p", {}, "No users on the access list.");
    }),
    simpleSection(ctx, key, "Releases", "releases", async (reads) => {
      const releases = await reads.releases();
      const list = releases.length ? table(["Version", "Kind", "Description", "Status", "By", "At"], releases.map((r) => [`v${r.version}`, r.kind, r.description, r.status, r.caller, when(r.at)]), "Releases, newest first") : h("p", {}, "No releases yet.");
      const back = actionForm("Roll back", [field("rollback-version", "Version (empty: the previous deployed release)", h("input", { name: "version", inputmode: "numeric", pattern: "[1-9][0-9]*", autocomplete: "off" }))],
        async (form) => {
          const request = await rollback(reads, String(new FormData(form).get("version") ?? ""));
          return `rollback requested (${request}): the list above shows the new release, or why it was refused`;
        }, "rollback");
      return h("div", {}, list, back);
    }),
    simpleSection(ctx, key, "Delivery metrics", "app-metrics", async (reads) => await metricsPanel(await reads.builds(100))),
  ];
  const element = h("div", {},
    h("p", {}, link("#/", "← Apps")),
    h("h1", { tabindex: -1 }, key),
    ...sections.map((s) => s.element));
  return {
    element,
    live: () => running.value,
    refresh: async () => {
      // The builds poll; the processes (and their forms) redraw once, when the deploy under way ends.
      const wasRunning = running.value;
      await builds.refresh();
      if (wasRunning && !running.value) await processes.refresh();
    },
  };
}
