// Sign-in. Cognito: the hosted UI's authorization-code flow with PKCE, then the identity pool's credentials
// for one users role per app. Local (`orchestrator dashboard`): the local server stands in for both.
import { fromCognitoIdentityPool } from "@aws-sdk/credential-provider-cognito-identity";
import { doesIdentityRequireRefresh, isIdentityExpired, memoizeIdentityProvider } from "@smithy/core";
import { jwtClaims, rolesOfIdToken } from "./claims";
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

type CognitoAuth = Extract<SiteConfig["auth"], { mode: "cognito" }>;
const PKCE = "pkce"; // this browser's pending sign-in: {verifier, state, hash}
const ID_TOKEN = "id-token";
const EXPIRY_MARGIN_S = 60; // a token this close to its end would fail on the way to Cognito

function base64Url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

// RFC 7636: the challenge is BASE64URL(SHA-256(ASCII(verifier))), with no padding.
export async function pkceChallenge(verifier: string): Promise<string> {
  return base64Url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))));
}

export async function cognitoSignIn(config: CognitoAuth): Promise<void> {
  const verifier = base64Url(crypto.getRandomValues(new Uint8Array(32))); // 43 characters of [A-Za-z0-9_-]
  const state = base64Url(crypto.getRandomValues(new Uint8Array(16)));
  const challenge = await pkceChallenge(verifier);
  // The hosted UI returns to redirectUri: the view the person was on comes back from here.
  STORE.setItem(PKCE, JSON.stringify({ verifier, state, hash: window.location.hash }));
  const query = new URLSearchParams({
    response_type: "code", client_id: config.userPoolClientId, redirect_uri: config.redirectUri,
    scope: "openid email profile", state, code_challenge_method: "S256", code_challenge: challenge,
  });
  window.location.assign(`${config.domain}/oauth2/authorize?${query}`);
}

// The hosted UI's redirect back (?code=&state=): the code is exchanged once, for this browser's own request
// only, and leaves the address bar (and the history) whatever the outcome.
async function cognitoCallback(config: CognitoAuth): Promise<void> {
  const params = new URLSearchParams(window.location.search);
  const code = params.get("code");
  const error = params.get("error");
  if (!code && !error) return;
  const saved = JSON.parse(STORE.getItem(PKCE) ?? "{}") as { verifier?: string; state?: string; hash?: string };
  STORE.removeItem(PKCE); // one use: a replayed redirect finds nothing to complete
  window.history.replaceState(null, "", window.location.pathname + (saved.hash || window.location.hash));
  if (error) throw new Error(`sign-in: ${error}${params.get("error_description") ? `: ${params.get("error_description")}` : ""}`);
  if (!saved.verifier || !saved.state || saved.state !== params.get("state")) {
    throw new Error("sign-in refused: the response does not match this browser's request (state); sign in again");
  }
  const response = await fetch(`${config.domain}/oauth2/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code", client_id: config.userPoolClientId, code: code ?? "", redirect_uri: config.redirectUri, code_verifier: saved.verifier,
    }),
  });
  const tokens = (await response.json().catch(() => ({}))) as { id_token?: string; error?: string };
  if (!response.ok || !tokens.id_token) throw new Error(`sign-in: the token endpoint answered ${tokens.error ?? `HTTP ${response.status}`}`);
  STORE.setItem(ID_TOKEN, tokens.id_token);
}

function expired(claims: Record<string, unknown>): boolean {
  return typeof claims.exp !== "number" || claims.exp - EXPIRY_MARGIN_S < Date.now() / 1000;
}

export class SignInExpired extends Error {
  override name = "SignInExpired";
}

// The signed-in person's session: one credentials provider per users role (memoized until the credentials
// near their end), and none once the ID token has expired: `onExpired` sends the person back to sign-in.
function cognitoSession(config: SiteConfig, auth: CognitoAuth, onExpired: () => void): Session | null {
  const idToken = STORE.getItem(ID_TOKEN);
  if (!idToken) return null;
  let claims: Record<string, unknown>;
  try {
    claims = jwtClaims(idToken);
  } catch {
    STORE.removeItem(ID_TOKEN);
    return null;
  }
  if (expired(claims)) {
    STORE.removeItem(ID_TOKEN);
    return null;
  }
  const logins = { [`cognito-idp.${config.region}.amazonaws.com/${auth.userPoolId}`]: idToken };
  const providers = new Map<string, CredentialProvider>();
  return {
    user: String(claims.email ?? claims["cognito:username"] ?? claims.sub),
    roles: rolesOfIdToken(idToken),
    credentialsFor(roleArn: string): CredentialProvider {
      let provider = providers.get(roleArn);
      if (!provider) {
        const pool = fromCognitoIdentityPool({
          identityPoolId: auth.identityPoolId, logins, customRoleArn: roleArn, clientConfig: { region: config.region },
        });
        const memoized = memoizeIdentityProvider(async () => {
          if (expired(claims)) {
            STORE.removeItem(ID_TOKEN);
            onExpired();
            throw new SignInExpired("your sign-in has expired: sign in again");
          }
          return pool();
        }, isIdentityExpired, doesIdentityRequireRefresh);
        if (!memoized) throw new Error("no credentials provider"); // only when given none: never here
        provider = () => memoized();
        providers.set(roleArn, provider);
      }
      return provider;
    },
    signOut() { STORE.removeItem(ID_TOKEN); },
  };
}

// The current session, completing a sign-in redirect first; null when nobody is signed in.
// `onExpired` runs when a Cognito session's token expires while the page is open.
export async function currentSession(config: SiteConfig, onExpired: () => void = () => {}): Promise<Session | null> {
  if (config.auth.mode === "cognito") {
    await cognitoCallback(config.auth);
    return cognitoSession(config, config.auth, onExpired);
  }
  return restoreLocalSession();
}
