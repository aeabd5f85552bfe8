// SSM parameter paths of an app, a pipeline or a review app (orchestrator/parameters/names.py's layout).

export interface AppRef {
  key: string; // "shop", "pipe", "pipe:12"
  name: string; // the app or pipeline name
  pr: string | null;
  kind: "app" | "pipeline" | "review_app";
}

export function appRef(key: string, kind: string): AppRef {
  const [name, pr] = key.split(":", 2);
  if (pr !== undefined) return { key, name, pr, kind: "review_app" };
  return { key, name, pr: null, kind: kind === "pipeline" ? "pipeline" : "app" };
}

export function parameterBase(prefix: string, ref: AppRef): string {
  if (ref.kind === "review_app") return `${prefix}/pipelines/${ref.name}/review-apps/pr/${ref.pr}`;
  return `${prefix}/${ref.kind === "pipeline" ? "pipelines" : "apps"}/${ref.name}`;
}

export const CONFIG_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
export const SSM_VALUE_MAX_BYTES = 4096; // Parameter Store's Standard tier

// JSON with sorted keys, as the CLI writes parameters (json.dumps(sort_keys=True)).
export function sortedJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(", ")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}: ${sortedJson(v)}`).join(", ")}}`;
  }
  return JSON.stringify(value);
}

// "2" → [2, 2]; "1-4" → [1, 4] (autoscaling); as `orchestrator ps scale` reads counts.
export function parseCount(text: string): [number, number] {
  const found = /^([0-9]+)(?:-([0-9]+))?$/.exec(text.trim());
  if (!found) throw new Error(`${JSON.stringify(text)}: expected a number of processes (0, 2) or min-max for autoscaling (1-4)`);
  const low = Number(found[1]);
  const high = Number(found[2] ?? found[1]);
  if (low > high) throw new Error(`${JSON.stringify(text)}: the minimum is above the maximum`);
  return [low, high];
}
