// Sign-in. Cognito: the hosted UI's authorization-code flow with PKCE, then the identity pool's credentials
// for one users role per app. Local (`orchestrator dashboard`): the local server stands in for both.
import { fromCognitoIdentityPool } from "@aws-sdk/credential-provider-cognito-identity";
import { rolesOfIdToken } from "./claims";
import type { SiteConfig } from "./config";

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}
export type CredentialProvider = () => Promise<Credentials>;

export interface Session {
  user: string;
  roles: string[]; // the users roles this person may assume (cognito:roles)
  credentialsFor(roleArn: string): CredentialProvider;
  signOut(): void;
}

const STORE = window.sessionStorage;

// --- local ---------------------------------------------------------------------------------------

async function postJson(path: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  const data = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`${String(data.__type ?? "Error")}: ${String(data.message ?? response.status)}`);
  return data;
}

export async function localUsers(): Promise<string[]> {
  const response = await fetch("./local-auth/users");
  return ((await response.json()) as { users: string[] }).users;
}

export async function localSignIn(user: string): Promise<Session> {
  const data = await postJson("./local-auth/sign-in", { user });
  STORE.setItem("local-user", user);
  return localSession(user, String(data.token), (data.roles as string[]) ?? []);
}

function localSession(user: string, token: string, roles: string[]): Session {
  const cache = new Map<string, Promise<Credentials>>();
  return {
    user,
    roles,
    credentialsFor(roleArn: string): CredentialProvider {
      return () => {
        let found = cache.get(roleArn);
        if (!found) {
          found = postJson("./local-auth/credentials", { token, roleArn }).then((d) => ({
            accessKeyId: String(d.accessKeyId), secretAccessKey: String(d.secretAccessKey), sessionToken: String(d.sessionToken),
          }));
          cache.set(roleArn, found);
        }
        return found;
      };
    },
    signOut() { STORE.removeItem("local-user"); },
  };
}

// A reload keeps the user signed in: signing in again gives the roles as they are now (apps come and go).
async function restoreLocalSession(): Promise<Session | null> {
  const user = STORE.getItem("local-user");
  if (!user) return null;
  try {
    return await localSignIn(user);
  } catch {
    STORE.removeItem("local-user");
    return null;
  }
}

// --- cognito -------------------------------------------------------------------------------------

function base64Url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export async function cognitoSignIn(config: Extract<SiteConfig["auth"], { mode: "cognito" }>): Promise<void> {
  const verifier = base64Url(crypto.getRandomValues(new Uint8Array(32)));
  const state = base64Url(crypto.getRandomValues(new Uint8Array(16)));
  const challenge = base64Url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))));
  STORE.setItem("pkce", JSON.stringify({ verifier, state }));
  const query = new URLSearchParams({
    response_type: "code", client_id: config.userPoolClientId, redirect_uri: config.redirectUri,
    scope: "openid email profile", state, code_challenge_method: "S256", code_challenge: challenge,
  });
  window.location.assign(`${config.domain}/oauth2/authorize?${query}`);
}

async function cognitoCallback(config: Extract<SiteConfig["auth"], { mode: "cognito" }>): Promise<void> {
  const params = new URLSearchParams(window.location.search);
  const code = params.get("code");
  if (!code) return;
  const saved = JSON.parse(STORE.getItem("pkce") ?? "{}") as { verifier?: string; state?: string };
  STORE.removeItem("pkce");
  window.history.replaceState(null, "", window.location.pathname + window.location.hash);
  if (!saved.verifier || saved.state !== params.get("state")) throw new Error("sign-in: the response does not match this browser's request (state)");
  const response = await fetch(`${config.domain}/oauth2/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code", client_id: config.userPoolClientId, code, redirect_uri: config.redirectUri, code_verifier: saved.verifier,
    }),
  });
  const tokens = (await response.json()) as { id_token?: string; error?: string };
  if (!response.ok || !tokens.id_token) throw new Error(`sign-in: ${tokens.error ?? `HTTP ${response.status}`}`);
  STORE.setItem("id-token", tokens.id_token);
}

function cognitoSession(config: SiteConfig, auth: Extract<SiteConfig["auth"], { mode: "cognito" }>): Session | null {
  const idToken = STORE.getItem("id-token");
  if (!idToken) return null;
  const claims = JSON.parse(atob(idToken.split(".")[1].replace(/-/g, "+").replace(/_/g, "/"))) as Record<string, unknown>;
  if (typeof claims.exp === "number" && claims.exp * 1000 < Date.now()) {
    STORE.removeItem("id-token");
    return null;
  }
  const provider = `cognito-idp.${config.region}.amazonaws.com/${auth.userPoolId}`;
  return {
    user: String(claims.email ?? claims["cognito:username"] ?? claims.sub),
    roles: rolesOfIdToken(idToken),
    credentialsFor(roleArn: string): CredentialProvider {
      return fromCognitoIdentityPool({
        identityPoolId: auth.identityPoolId, logins: { [provider]: idToken }, customRoleArn: roleArn, clientConfig: { region: config.region },
      });
    },
    signOut() { STORE.removeItem("id-token"); },
  };
}

// The current session, completing a sign-in redirect first; null when nobody is signed in.
export async function currentSession(config: SiteConfig): Promise<Session | null> {
  if (config.auth.mode === "cognito") {
    await cognitoCallback(config.auth);
    return cognitoSession(config, config.auth);
  }
  return restoreLocalSession();
}
