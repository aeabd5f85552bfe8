// A few DOM helpers: elements built with text nodes only (never innerHTML), sections that load on their own
// and show AWS's error verbatim, and time formatting in UTC (the records' zone).
import { awsMessage } from "./aws";

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | EventListener | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === "function") element.addEventListener(key.replace(/^on/, ""), value);
    else element.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

export function errorLine(error: unknown): HTMLElement {
  return h("p", { class: "error", role: "alert" }, awsMessage(error));
}

// A titled section whose body is loaded by `load`; `refresh()` loads it again in place (live views).
export interface LiveSection {
  element: HTMLElement;
  refresh(): Promise<void>;
}

export function section(title: string, id: string, load: () => Promise<Node>): LiveSection {
  const body = h("div", { class: "section-body", "aria-live": "polite" }, h("p", { class: "muted" }, "Loading…"));
  const element = h("section", { id, "aria-labelledby": `${id}-title` }, h("h2", { id: `${id}-title` }, title), body);
  async function refresh(): Promise<void> {
    let content: Node;
    try {
      content = await load();
    } catch (error) {
      content = errorLine(error);
    }
    // Keep the focused control when the section is redrawn (keyboard users must not lose their place).
    const focusedId = document.activeElement instanceof HTMLElement && body.contains(document.activeElement) ? document.activeElement.id : "";
    body.replaceChildren(content);
    if (focusedId) document.getElementById(focusedId)?.focus();
  }
  void refresh();
  return { element, refresh };
}

export function when(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return "-";
  return new Date(seconds * 1000).toISOString().replace("T", " ").slice(0, 19) + " UTC";
}

export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return "-";
  const s = Math.round(seconds);
  return s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m ${s % 60}s` : `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

export function table(headers: string[], rows: Child[][], caption?: string): HTMLTableElement {
  return h("table", {},
    caption ? h("caption", {}, caption) : null,
    h("thead", {}, h("tr", {}, ...headers.map((x) => h("th", { scope: "col" }, x)))),
    h("tbody", {}, ...rows.map((cells) => h("tr", {}, ...cells.map((c) => h("td", {}, c))))),
  );
}

export function link(href: string, text: string): HTMLAnchorElement {
  return h("a", { href }, text);
}

// A form whose submit runs `act`; the result or AWS's refusal appears under it.
export function actionForm(label: string, fields: HTMLElement[], act: (form: HTMLFormElement) => Promise<string>, id: string): HTMLFormElement {
  const result = h("p", { class: "result", id: `${id}-result`, "aria-live": "polite" });
  const button = h("button", { type: "submit", id: `${id}-submit` }, label);
  const form = h("form", { id, class: "action" }, ...fields, button, result);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    button.disabled = true;
    result.className = "result";
    result.textContent = "…";
    act(form).then(
      (message) => { result.textContent = message; },
      (error: unknown) => { result.className = "result error"; result.setAttribute("role", "alert"); result.textContent = awsMessage(error); },
    ).finally(() => { button.disabled = false; });
  });
  return form;
}

export function field(id: string, label: string, input: HTMLInputElement | HTMLSelectElement): HTMLElement {
  input.id = id;
  return h("span", { class: "field" }, h("label", { for: id }, label), input);
}
