// The app list: every app (and pipeline, with its review apps) the person may operate, with its URL,
// latest build and deploy state. Refreshes while a build or deploy is under way.
import type { Context } from "../context";
import { buildState } from "../records";
import { h, link, section, type LiveSection } from "../ui";

export interface View {
  element: HTMLElement;
  live(): boolean; // whether something is under way (then the page polls)
  refresh(): Promise<void>;
}

async function appRow(ctx: Context, key: string, running: Set<string>): Promise<HTMLTableRowElement> {
  const reads = await ctx.readsWithKind(key);
  const settings = key.includes(":") ? null : await reads.settings();
  const [builds, status, url] = await Promise.all([reads.builds(1), reads.deployStatus(), reads.url()]);
  const latest = builds[0];
  const state = latest ? buildState(latest) : null;
  if (state === "running") running.add(key);
  else running.delete(key);
  const deploy = state === "running" ? `build #${latest?.number} under way` : status ? `${status.phase}${status.failed ? " (failed)" : ""}` : "not deployed";
  return h("tr", { "data-app": key },
    h("th", { scope: "row" }, link(`#/apps/${encodeURIComponent(key)}`, key)),
    h("td", {}, settings ? settings.kind : "review app"),
    h("td", {}, url ? h("a", { href: url, rel: "noopener" }, url) : "-"),
    h("td", { class: "latest-build" }, latest ? link(`#/apps/${encodeURIComponent(key)}/builds/${latest.number}`, `#${latest.number}`) : "-",
      latest ? h("span", { class: `state ${state}` }, ` ${state}`) : null),
    h("td", { class: "deploy-state" }, deploy),
  );
}

function failedRow(key: string, error: unknown): HTMLTableRowElement {
  const message = error instanceof Error ? `${error.name !== "Error" ? `${error.name}: ` : ""}${error.message}` : String(error);
  return h("tr", { "data-app": key }, h("th", { scope: "row" }, key), h("td", { colspan: 4, class: "error", role: "alert" }, message));
}

export function appListView(ctx: Context): View {
  const running = new Set<string>();
  const list: LiveSection = section("Apps", "apps", async () => {
    if (ctx.apps.size === 0) return h("p", {}, "You hold no users role for any app.");
    const keys: string[] = [];
    for (const app of ctx.apps.keys()) {
      keys.push(app);
      try {
        const reads = await ctx.readsWithKind(app);
        if (reads.ref.kind === "pipeline") keys.push(...(await reads.reviewApps()).map((pr) => `${app}:${pr}`));
      } catch { /* the row shows the error */ }
    }
    const rows = await Promise.all(keys.map((key) => appRow(ctx, key, running).catch((error: unknown) => failedRow(key, error))));
    return h("table", { class: "apps" },
      h("caption", {}, "Apps and review apps you may operate"),
      h("thead", {}, h("tr", {}, ...["App", "Kind", "URL", "Latest build", "Deploy state"].map((x) => h("th", { scope: "col" }, x)))),
      h("tbody", {}, ...rows));
  });
  const element = h("div", {}, h("h1", { tabindex: -1 }, "Apps"), h("p", {}, link("#/metrics", "Delivery metrics for all your apps")), list.element);
  return { element, live: () => running.size > 0, refresh: list.refresh };
}
