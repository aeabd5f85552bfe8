// The runtime config.json (written by the dashboard stack in AWS, served by `orchestrator dashboard` locally).

export type AuthConfig =
  | { mode: "local" }
  | { mode: "cognito"; userPoolId: string; userPoolClientId: string; identityPoolId: string; domain: string; redirectUri: string };

export interface SiteConfig {
  region: string;
  endpoint: string | null;
  tableName: string;
  parameterPrefix: string; // "/apppack"
  cluster: string;
  auth: AuthConfig;
  appsPort?: number | null; // local only: the emulator's router port, for app URLs
}

function need(data: Record<string, unknown>, key: string): string {
  const value = data[key];
  if (typeof value !== "string" || value === "") throw new Error(`config.json: "${key}" must be a non-empty string`);
  return value;
}

export function parseConfig(raw: unknown): SiteConfig {
  if (raw === null || typeof raw !== "object") throw new Error("config.json is not a JSON object");
  const data = raw as Record<string, unknown>;
  const auth = (data.auth ?? {}) as Record<string, unknown>;
  let parsedAuth: AuthConfig;
  if (auth.mode === "local") parsedAuth = { mode: "local" };
  else if (auth.mode === "cognito") {
    parsedAuth = {
      mode: "cognito",
      userPoolId: need(auth, "userPoolId"),
      userPoolClientId: need(auth, "userPoolClientId"),
      identityPoolId: need(auth, "identityPoolId"),
      domain: need(auth, "domain").replace(/\/$/, ""),
      redirectUri: need(auth, "redirectUri"),
    };
  } else throw new Error(`config.json: auth.mode must be "local" or "cognito"`);
  const endpoint = data.endpoint;
  if (endpoint !== null && endpoint !== undefined && typeof endpoint !== "string") throw new Error(`config.json: "endpoint" must be a string or null`);
  return {
    region: need(data, "region"),
    endpoint: endpoint ? String(endpoint) : null,
    tableName: need(data, "tableName"),
    parameterPrefix: "/" + need(data, "parameterPrefix").replace(/^\/+|\/+$/g, ""),
    cluster: need(data, "cluster"),
    auth: parsedAuth,
    appsPort: typeof data.appsPort === "number" ? data.appsPort : null,
  };
}

export async function loadConfig(): Promise<SiteConfig> {
  const response = await fetch("./config.json", { cache: "no-store" });
  if (!response.ok) throw new Error(`config.json: HTTP ${response.status}`);
  return parseConfig(await response.json());
}
