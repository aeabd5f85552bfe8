// Sign-in: the local server's users (orchestrator dashboard), or Cognito's hosted UI.
import { cognitoSignIn, localSignIn, localUsers, type Session } from "../auth";
import { awsMessage } from "../aws";
import type { SiteConfig } from "../config";
import { field, h } from "../ui";

export async function signInView(config: SiteConfig, signedIn: (session: Session) => void): Promise<HTMLElement> {
  const result = h("p", { class: "result", "aria-live": "polite" });
  if (config.auth.mode === "cognito") {
    const auth = config.auth;
    const button = h("button", { type: "button", id: "sign-in" }, "Sign in");
    button.addEventListener("click", () => { cognitoSignIn(auth).catch((error: unknown) => { result.textContent = awsMessage(error); }); });
    return h("div", {}, h("h1", { tabindex: -1 }, "Sign in"), h("p", {}, "Sign in with your account (multi-factor authentication required)."), button, result);
  }
  const users = await localUsers();
  const select = h("select", { name: "user", required: true }, ...users.map((u) => h("option", { value: u }, u)));
  const form = h("form", { id: "sign-in-form" },
    field("sign-in-user", "Local user", select),
    h("button", { type: "submit", id: "sign-in" }, "Sign in"),
    result);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    localSignIn(select.value).then(signedIn, (error: unknown) => { result.className = "result error"; result.textContent = awsMessage(error); });
  });
  return h("div", {}, h("h1", { tabindex: -1 }, "Sign in"),
    h("p", {}, "Local dashboard: each local user holds the users role of some apps (orchestrator dashboard --user NAME=APP,...)."), form);
}
