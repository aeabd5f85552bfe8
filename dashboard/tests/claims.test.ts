import { describe, expect, it } from "vitest";
import { appOfRole, appsFromRoles, rolesOfIdToken } from "../src/claims";

const role = (app: string, name = `${app}-users`) => `arn:aws:iam::123456789012:role/orchestrator/users/${app}/${name}`;

function token(claims: object): string {
  const encode = (o: object) => btoa(JSON.stringify(o)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  return `${encode({ alg: "RS256" })}.${encode(claims)}.signature`;
}

describe("claim → apps", () => {
  it("takes the app from the path segment after users/", () => {
    expect(appOfRole(role("shop"))).toBe("shop");
    expect(appOfRole("arn:aws:iam::123456789012:role/orchestrator/apps/shop/x")).toBeNull();
    expect(appOfRole("arn:aws:iam::123456789012:role/shop-users")).toBeNull();
    expect(appOfRole("arn:aws:iam::123456789012:role/orchestrator/users/Shop/x")).toBeNull();
  });

  it("maps each app to its first role, sorted by app, ignoring other roles", () => {
    const apps = appsFromRoles([role("web"), "arn:aws:iam::123456789012:role/admin", role("api", "first"), role("api", "second")]);
    expect([...apps.entries()]).toEqual([["api", role("api", "first")], ["web", role("web")]]);
  });

  it("reads cognito:roles from an ID token", () => {
    expect(rolesOfIdToken(token({ sub: "x", "cognito:roles": [role("shop")] }))).toEqual([role("shop")]);
    expect(rolesOfIdToken(token({ sub: "x" }))).toEqual([]);
    expect(() => rolesOfIdToken("not-a-jwt")).toThrow("not a JWT");
  });
});
