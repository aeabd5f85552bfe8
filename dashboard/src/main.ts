// The dashboard's entry point: config, sign-in, then hash routes. Views that show something under way are
// refreshed every few seconds (polling: the site has no backend to push).
import { currentSession, type Session } from "./auth";
import { loadConfig, type SiteConfig } from "./config";
import { Context } from "./context";
import { errorLine, h } from "./ui";
import { appView } from "./views/app";
import { appListView, type View } from "./views/apps";
import { buildView } from "./views/build";
import { accountMetricsView } from "./views/metrics";
import { signInView } from "./views/signin";
import "./style.css";

const POLL_MS = 2000;
const main = document.getElementById("main") as HTMLElement;
const account = document.getElementById("account") as HTMLElement;
let generation = 0;

function route(ctx: Context): View {
  const path = decodeURIComponent(window.location.hash.replace(/^#/, "")) || "/";
  const build = /^\/apps\/([^/]+)\/builds\/([0-9]+)$/.exec(path);
  if (build) return buildView(ctx, build[1], Number(build[2]));
  const app = /^\/apps\/([^/]+)$/.exec(path);
  if (app) return appView(ctx, app[1]);
  if (path === "/metrics") return accountMetricsView(ctx);
  return appListView(ctx);
}

function show(ctx: Context): void {
  const mine = ++generation;
  const view = route(ctx);
  main.replaceChildren(view.element);
  (view.element.querySelector("h1") as HTMLElement | null)?.focus();
  const poll = (): void => {
    window.setTimeout(() => {
      if (mine !== generation) return; // another view replaced this one
      if (view.live()) void view.refresh().finally(poll);
      else poll();
    }, POLL_MS);
  };
  poll();
}

function signedIn(config: SiteConfig, session: Session): void {
  const ctx = new Context(config, session);
  const signOut = h("button", { type: "button", id: "sign-out" }, "Sign out");
  signOut.addEventListener("click", () => { session.signOut(); window.location.hash = "#/"; window.location.reload(); });
  account.replaceChildren(h("span", { id: "user" }, `Signed in as ${session.user}`), " ", signOut);
  window.onhashchange = () => show(ctx);
  show(ctx);
}

async function start(): Promise<void> {
  try {
    const config = await loadConfig();
    // A refused sign-in (state mismatch, token endpoint error) is shown above the sign-in button.
    let refused: unknown = null;
    const session = await currentSession(config, () => window.location.reload()).catch((error: unknown) => { refused = error; return null; });
    if (session) signedIn(config, session);
    else {
      main.replaceChildren(await signInView(config, (s) => signedIn(config, s)));
      if (refused !== null) main.prepend(errorLine(refused));
      (main.querySelector("h1") as HTMLElement | null)?.focus();
    }
  } catch (error) {
    main.replaceChildren(h("h1", {}, "The dashboard cannot start"), errorLine(error));
  }
}

void start();
