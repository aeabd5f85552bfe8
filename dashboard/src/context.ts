// What every view gets: the config, the signed-in session, and the readers of each app it may operate.
import type { Session } from "./auth";
import { makeClients, type Clients } from "./aws";
import { appsFromRoles } from "./claims";
import type { SiteConfig } from "./config";
import { appRef } from "./paths";
import { AppReads } from "./reads";

export class Context {
  readonly apps: Map<string, string>; // app or pipeline → the users role to assume for it
  private clients = new Map<string, Clients>();
  private kinds = new Map<string, string>();

  constructor(readonly config: SiteConfig, readonly session: Session) {
    this.apps = appsFromRoles(session.roles);
  }

  // The role for an app: its own users role; for an app the person holds no role for, their first role,
  // as an identity pool's default would be (AWS then refuses, and the page shows AWS's reason).
  roleFor(app: string): string | null {
    return this.apps.get(app) ?? this.apps.values().next().value ?? null;
  }

  readsFor(key: string, kind?: string): AppReads {
    const name = key.split(":")[0];
    const role = this.roleFor(name);
    if (role === null) throw new Error("you hold no users role for any app: ask an administrator to add you to an app's access list");
    let clients = this.clients.get(role);
    if (!clients) {
      clients = makeClients(this.config, this.session.credentialsFor(role));
      this.clients.set(role, clients);
    }
    if (kind) this.kinds.set(name, kind);
    return new AppReads(this.config, clients, appRef(key, this.kinds.get(name) ?? "app"));
  }

  // The kind comes from the app's settings; read once, then remembered.
  async readsWithKind(key: string): Promise<AppReads> {
    const name = key.split(":")[0];
    if (!this.kinds.has(name)) {
      try {
        this.kinds.set(name, (await this.readsFor(name).settings()).kind);
      } catch {
        // Unreadable settings (refused, or no such app): each read below reports its own error, and the
        // actions still reach AWS, which decides.
      }
    }
    return this.readsFor(key);
  }
}
