// Which apps a signed-in person may operate: the users roles in the ID token's `cognito:roles` claim.
// A users role's ARN is arn:aws:iam::<account>:role/orchestrator/users/<app>/<name>: the app is the path
// segment after `users/`.

const USERS_ROLE = /^arn:aws[a-z-]*:iam::\d{12}:role\/orchestrator\/users\/([a-z][a-z0-9-]{1,40})\/[\w+=,.@-]+$/;

export function appOfRole(roleArn: string): string | null {
  const match = USERS_ROLE.exec(roleArn);
  return match ? match[1] : null;
}

// App name → the users role to assume for it (the first one listed when a token names two for one app).
export function appsFromRoles(roles: readonly string[]): Map<string, string> {
  const apps = new Map<string, string>();
  for (const role of roles) {
    const app = appOfRole(role);
    if (app !== null && !apps.has(app)) apps.set(app, role);
  }
  return new Map([...apps.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

function base64UrlDecode(part: string): string {
  const padded = part.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((part.length + 3) % 4);
  const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

// The claims of a JWT (not verified here: the identity pool verifies the token when it is exchanged).
export function jwtClaims(token: string): Record<string, unknown> {
  const parts = token.split(".");
  if (parts.length !== 3) throw new Error("the ID token is not a JWT");
  const claims: unknown = JSON.parse(base64UrlDecode(parts[1]));
  if (claims === null || typeof claims !== "object") throw new Error("the ID token's payload is not an object");
  return claims as Record<string, unknown>;
}

export function rolesOfIdToken(idToken: string): string[] {
  const roles = jwtClaims(idToken)["cognito:roles"];
  return Array.isArray(roles) ? roles.map(String) : [];
}
