// The Cognito sign-in path with the network mocked at its edges: the hosted UI's token endpoint (fetch) and
// the Cognito Identity API (aws-sdk-client-mock on the client the credential provider itself builds).
import { CognitoIdentityClient, GetCredentialsForIdentityCommand, GetIdCommand } from "@aws-sdk/nested-clients/cognito-identity";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { SiteConfig } from "../src/config";

type Auth = typeof import("../src/auth");

const POOL = "us-east-1_AbCdEf123";
const AUTH = {
  mode: "cognito", userPoolId: POOL, userPoolClientId: "client-1", identityPoolId: "us-east-1:pool-id",
  domain: "https://shop.auth.us-east-1.amazoncognito.com", redirectUri: "https://dash.example.com/",
} as const;
const CONFIG: SiteConfig = {
  region: "us-east-1", endpoint: null, tableName: "apppack", parameterPrefix: "/apppack", cluster: "orchestrator", auth: AUTH,
};
const role = (app: string) => `arn:aws:iam::123456789012:role/orchestrator/users/${app}/${app}-users`;
const LOGIN_KEY = `cognito-idp.us-east-1.amazonaws.com/${POOL}`;

function idToken(claims: Record<string, unknown>): string {
  const encode = (o: object) => btoa(String.fromCharCode(...new TextEncoder().encode(JSON.stringify(o))))
    .replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  return `${encode({ alg: "RS256", kid: "k" })}.${encode(claims)}.signature`;
}
const nowS = () => Math.floor(Date.now() / 1000);
const validToken = () => idToken({ sub: "u-1", email: "zoë@example.com", exp: nowS() + 3600, "cognito:roles": [role("shop"), role("blog")] });

// The browser the module sees: sessionStorage, the address bar, and the history it rewrites.
const storage = new Map<string, string>();
const location = { search: "", pathname: "/", hash: "", assign: vi.fn() };
const history = {
  replaceState: vi.fn((_state: unknown, _title: string, url: string) => {
    const parsed = new URL(url, "https://dash.example.com");
    location.search = parsed.search;
    location.pathname = parsed.pathname;
    location.hash = parsed.hash;
  }),
};
vi.stubGlobal("window", {
  sessionStorage: {
    getItem: (k: string) => storage.get(k) ?? null,
    setItem: (k: string, v: string) => void storage.set(k, v),
    removeItem: (k: string) => void storage.delete(k),
  },
  location,
  history,
});

const cognito = mockClient(CognitoIdentityClient);
const fetchMock = vi.fn<typeof fetch>();
let auth: Auth;

beforeAll(async () => {
  vi.stubGlobal("fetch", fetchMock);
  auth = await import("../src/auth"); // after the globals: the module keeps window.sessionStorage
});

beforeEach(() => {
  storage.clear();
  Object.assign(location, { search: "", pathname: "/", hash: "" });
  location.assign.mockReset();
  history.replaceState.mockClear();
  fetchMock.mockReset();
  cognito.reset();
  cognito.on(GetIdCommand).resolves({ IdentityId: "us-east-1:identity-1" });
  cognito.on(GetCredentialsForIdentityCommand).callsFake((input: { CustomRoleArn?: string }) => ({
    IdentityId: "us-east-1:identity-1",
    Credentials: {
      AccessKeyId: `AKIA-${input.CustomRoleArn?.split("/")[3]}`, SecretKey: "secret", SessionToken: "session",
      Expiration: new Date(Date.now() + 3600_000),
    },
  }));
});

afterEach(() => { vi.useRealTimers(); });

// Starts a sign-in and returns what the hosted UI was asked for.
async function startSignIn(): Promise<URL> {
  await auth.cognitoSignIn(AUTH);
  expect(location.assign).toHaveBeenCalledTimes(1);
  return new URL(location.assign.mock.calls[0][0] as string);
}

function tokenEndpointAnswers(status: number, body: object): void {
  fetchMock.mockResolvedValue(new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } }));
}

describe("the hosted UI request (PKCE)", () => {
  it("sends an S256 challenge of a fresh verifier, and a state, to /oauth2/authorize", async () => {
    const url = await startSignIn();
    expect(url.origin + url.pathname).toBe(`${AUTH.domain}/oauth2/authorize`);
    const q = url.searchParams;
    expect(q.get("response_type")).toBe("code");
    expect(q.get("client_id")).toBe("client-1");
    expect(q.get("redirect_uri")).toBe(AUTH.redirectUri);
    expect(q.get("code_challenge_method")).toBe("S256");
    const saved = JSON.parse(storage.get("pkce") ?? "{}") as { verifier: string; state: string };
    expect(saved.verifier).toMatch(/^[A-Za-z0-9_-]{43}$/); // RFC 7636: 43-128 unreserved characters
    expect(q.get("code_challenge")).toBe(await auth.pkceChallenge(saved.verifier));
    expect(q.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 bytes, base64url without padding
    expect(q.get("state")).toBe(saved.state);
    expect(saved.state.length).toBeGreaterThanOrEqual(16);

    location.assign.mockReset();
    const again = await startSignIn();
    expect(again.searchParams.get("state")).not.toBe(q.get("state"));
    expect(again.searchParams.get("code_challenge")).not.toBe(q.get("code_challenge"));
  });

  it("makes the challenge as SHA-256, base64url without padding", async () => {
    // Expected value from an independent implementation (Node's createHash("sha256").digest("base64url")).
    expect(await auth.pkceChallenge("dBjftJeZ4CVP-mJ92K9XmY6k1bmWtWS8Y7cTb5ISU0k")).toBe("d647Hgunz4FMEO1OQ86d-t3s4ONczS84HKKoYXLF-rM");
  });
});

describe("the redirect back", () => {
  it("exchanges the code once, with the verifier, and cleans the address bar", async () => {
    location.hash = "#/apps/shop";
    const url = await startSignIn();
    const verifier = (JSON.parse(storage.get("pkce") ?? "{}") as { verifier: string }).verifier;
    const token = validToken();
    tokenEndpointAnswers(200, { id_token: token, access_token: "a", token_type: "Bearer", expires_in: 3600 });
    Object.assign(location, { search: `?code=CODE-1&state=${url.searchParams.get("state")}`, hash: "" });

    const session = await auth.currentSession(CONFIG);
    expect(session?.user).toBe("zoë@example.com");
    expect(session?.roles).toEqual([role("shop"), role("blog")]);
    expect(fetchMock).toHaveBeenCalledTimes(1);
    const [endpoint, init] = fetchMock.mock.calls[0];
    expect(endpoint).toBe(`${AUTH.domain}/oauth2/token`);
    expect(init?.method).toBe("POST");
    const body = new URLSearchParams(String(init?.body));
    expect(Object.fromEntries(body)).toEqual({
      grant_type: "authorization_code", client_id: "client-1", code: "CODE-1", redirect_uri: AUTH.redirectUri, code_verifier: verifier,
    });
    expect(history.replaceState).toHaveBeenCalledWith(null, "", "/#/apps/shop"); // no code; the view comes back
    expect(location.search).toBe("");
    expect(storage.has("pkce")).toBe(false);

    // A reload is signed in without another exchange.
    expect((await auth.currentSession(CONFIG))?.user).toBe("zoë@example.com");
    // The same redirect replayed (history, a shared link) completes nothing and exchanges nothing.
    location.search = `?code=CODE-1&state=${url.searchParams.get("state")}`;
    await expect(auth.currentSession(CONFIG)).rejects.toThrow(/state/);
    expect(fetchMock).toHaveBeenCalledTimes(1);
  });

  it("refuses a mismatched state without calling the token endpoint", async () => {
    await startSignIn();
    location.search = "?code=CODE-2&state=someone-elses";
    await expect(auth.currentSession(CONFIG)).rejects.toThrow(/sign-in refused: .*state/);
    expect(fetchMock).not.toHaveBeenCalled();
    expect(storage.has("id-token")).toBe(false);
    expect(location.search).toBe("");
    expect(await auth.currentSession(CONFIG)).toBeNull(); // then: the sign-in page
  });

  it("refuses a code this browser never asked for", async () => {
    location.search = "?code=CODE-3&state=x";
    await expect(auth.currentSession(CONFIG)).rejects.toThrow(/state/);
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it("reports the token endpoint's error and stores nothing", async () => {
    const url = await startSignIn();
    tokenEndpointAnswers(400, { error: "invalid_grant" });
    location.search = `?code=CODE-4&state=${url.searchParams.get("state")}`;
    await expect(auth.currentSession(CONFIG)).rejects.toThrow("sign-in: the token endpoint answered invalid_grant");
    expect(storage.has("id-token")).toBe(false);
    expect(location.search).toBe("");
  });

  it("reports the hosted UI's error", async () => {
    await startSignIn();
    location.search = "?error=access_denied&error_description=MFA+required";
    await expect(auth.currentSession(CONFIG)).rejects.toThrow("sign-in: access_denied: MFA required");
    expect(fetchMock).not.toHaveBeenCalled();
  });
});

describe("credentials per app role", () => {
  it("keeps one provider per role, each asking the identity pool for its own role with the ID token", async () => {
    const token = validToken();
    storage.set("id-token", token);
    const session = await auth.currentSession(CONFIG);
    if (!session) throw new Error("expected a session");
    const shop = session.credentialsFor(role("shop"));
    expect(session.credentialsFor(role("shop"))).toBe(shop);
    const blog = session.credentialsFor(role("blog"));
    expect(blog).not.toBe(shop);

    expect((await shop()).accessKeyId).toBe("AKIA-shop");
    expect((await shop()).accessKeyId).toBe("AKIA-shop"); // memoized: no second call to Cognito
    expect((await blog()).accessKeyId).toBe("AKIA-blog");

    const calls = cognito.commandCalls(GetCredentialsForIdentityCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => c.CustomRoleArn)).toEqual([role("shop"), role("blog")]);
    for (const call of calls) expect(call.Logins).toEqual({ [LOGIN_KEY]: token });
    for (const call of cognito.commandCalls(GetIdCommand)) {
      expect(call.args[0].input).toMatchObject({ IdentityPoolId: AUTH.identityPoolId, Logins: { [LOGIN_KEY]: token } });
    }
  });

  it("shows AWS's refusal of a role the person may not assume", async () => {
    storage.set("id-token", validToken());
    cognito.on(GetCredentialsForIdentityCommand).rejects(Object.assign(new Error("Invalid identity pool configuration. Check assigned IAM roles for this pool."), { name: "InvalidIdentityPoolConfigurationException" }));
    const session = await auth.currentSession(CONFIG);
    await expect(session?.credentialsFor(role("shop"))()).rejects.toThrow(/Invalid identity pool configuration/);
  });
});

describe("no token, or an expired one", () => {
  it("asks for sign-in when there is no token", async () => {
    expect(await auth.currentSession(CONFIG)).toBeNull();
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it("asks for sign-in, and forgets the token, when it has expired", async () => {
    storage.set("id-token", idToken({ sub: "u-1", exp: nowS() - 10, "cognito:roles": [role("shop")] }));
    expect(await auth.currentSession(CONFIG)).toBeNull();
    expect(storage.has("id-token")).toBe(false);
  });

  it("asks for sign-in when the token is not a JWT", async () => {
    storage.set("id-token", "not-a-token");
    expect(await auth.currentSession(CONFIG)).toBeNull();
  });

  it("sends the person back to sign-in when the token expires while the page is open", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    storage.set("id-token", validToken());
    const onExpired = vi.fn();
    const session = await auth.currentSession(CONFIG, onExpired);
    if (!session) throw new Error("expected a session");
    vi.setSystemTime(Date.now() + 2 * 3600_000);
    await expect(session.credentialsFor(role("shop"))()).rejects.toThrow(auth.SignInExpired);
    expect(onExpired).toHaveBeenCalledTimes(1);
    expect(storage.has("id-token")).toBe(false);
    expect(cognito.commandCalls(GetCredentialsForIdentityCommand)).toHaveLength(0);
  });
});
