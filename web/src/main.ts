// The page's entry: a tiny router over the URLs the API serves (/, /researchers/{id}, /works/{id}, /search) and the
// views behind them, with a friendly "not found" for anything else and a readable word for a malformed id.

import "./styles.css";

import { nodeTypeOf } from "./api";
import { clear, h } from "./dom";
import { renderExplorer } from "./explorer";
import { renderLanding } from "./landing";
import type { Nav } from "./profile";
import { renderProfile } from "./profile";
import { renderResults } from "./results";
import { SearchBox } from "./search";
import { isId, parseExplorerQuery } from "./state";
import type { NodeType, SearchHit } from "./types";
import { NODE_TYPES } from "./types";
import { renderWork } from "./work";

const app = document.getElementById("app") as HTMLElement;

const nav: Nav = {
  go(url: string): void {
    if (url !== location.pathname + location.search) {
      // depth counts the entries this app pushed, so its own "← Back" knows when history.back() stays in the app
      const depth = ((history.state as { depth?: number } | null)?.depth ?? 0) + 1;
      history.pushState({ depth }, "", url);
    }
    void route();
  },
  profileUrl(id: string): string {
    return `/researchers/${encodeURIComponent(id)}`;
  },
  workUrl(id: string): string {
    return `/works/${encodeURIComponent(id)}`;
  },
  explorerUrl(root: string, focus?: string): string {
    const q = new URLSearchParams({ view: "explorer" });
    if (focus) q.set("focus", focus);
    return `/researchers/${encodeURIComponent(root)}?${q.toString()}`;
  },
  nodeUrl(id: string, type: NodeType): string {
    if (type === "researcher") return this.profileUrl(id);
    if (type === "work") return this.workUrl(id);
    return `/?${new URLSearchParams({ explore: id, type }).toString()}`;
  },
  searchUrl(q: string, type?: NodeType | null): string {
    const p = new URLSearchParams({ q });
    if (type) p.set("type", type);
    return `/search?${p.toString()}`;
  },
};

function openHit(hit: SearchHit): void {
  nav.go(nav.nodeUrl(hit.id, hit.type));
}

function chrome(): HTMLElement {
  const search = new SearchBox("site-search", "Search researchers, works, topics…", openHit, nav);
  const main = h("main", { className: "page", id: "main" });
  clear(app);
  app.append(
    h(
      "header",
      { className: "site-head" },
      h(
        "a",
        {
          className: "brand",
          href: "/",
          onclick: (ev: Event) => {
            ev.preventDefault();
            nav.go("/");
          },
        },
        "Research KG",
      ),
      search.el,
    ),
    main,
  );
  return main;
}

/** A page that does not exist: say so, and offer the way back. */
function notFound(main: HTMLElement, what: string, detail: string): void {
  clear(main);
  document.title = "Not found · Research KG";
  main.append(
    h(
      "section",
      { className: "card not-found", testid: "not-found" },
      h("h1", {}, what),
      h("p", { testid: "not-found-detail" }, detail),
      h(
        "p",
        {},
        h(
          "a",
          {
            className: "button primary",
            href: "/",
            testid: "not-found-home",
            onclick: (ev: Event) => {
              ev.preventDefault();
              nav.go("/");
            },
          },
          "Go to the start page",
        ),
        " or search above.",
      ),
    ),
  );
}

const ID_HELP = "Ids look like orcid:0000-0002-1825-0097, openalex:A5023888391, doi:10.1145/3292500.3330701 or arxiv:2104.12255.";

/** A path's id, decoded; a malformed one gets a readable page instead of an API validation error. */
function pathId(raw: string, kind: string, main: () => HTMLElement): string | null {
  let id: string;
  try {
    id = decodeURIComponent(raw);
  } catch {
    id = raw;
  }
  if (isId(id)) return id;
  const shown = id.length > 80 ? `${id.slice(0, 79)}…` : id;
  notFound(main(), `“${shown}” is not a ${kind} id`, `Every id in Research KG names its source before a colon. ${ID_HELP}`);
  const detail = app.querySelector('[data-testid="not-found"]');
  detail?.setAttribute("data-testid", "bad-id");
  return null;
}

// Each route owns the page until the next one: leaving aborts its fetches and lets its drawings go, so a slice
// that arrives for a page the person already left is dropped instead of drawn into a detached element.
let current = new AbortController();

function fullPage(): HTMLElement {
  clear(app);
  const main = h("main", { className: "page full" });
  app.append(main);
  return main;
}

async function route(): Promise<void> {
  current.abort();
  current = new AbortController();
  const signal = current.signal;
  const path = location.pathname;
  const q = new URLSearchParams(location.search);
  const researcher = path.match(/^\/researchers\/(.+?)\/?$/);
  if (researcher) {
    const explorer = q.get("view") === "explorer";
    const id = pathId(researcher[1], "researcher", explorer ? fullPage : chrome);
    if (id === null) return;
    if (explorer) await renderExplorer(fullPage(), parseExplorerQuery(id, "researcher", q), nav, signal);
    else await renderProfile(chrome(), id, nav, signal);
    return;
  }
  const work = path.match(/^\/works\/(.+?)\/?$/);
  if (work) {
    const id = pathId(work[1], "work", chrome);
    if (id !== null) await renderWork(chrome(), id, nav, signal);
    return;
  }
  if (path === "/search" || path === "/search/") {
    const t = q.get("type");
    await renderResults(chrome(), (q.get("q") ?? "").trim(), t && (NODE_TYPES as string[]).includes(t) ? (t as NodeType) : null, nav, signal);
    return;
  }
  if (path !== "/" && path !== "/index.html") {
    notFound(chrome(), "Page not found", `There is no page at ${path}. It may have moved, or the link has a typo.`);
    return;
  }
  const explore = q.get("explore");
  if (explore) {
    if (!isId(explore)) {
      notFound(chrome(), `“${explore.slice(0, 80)}” is not an id`, `The explorer starts from a node of the graph. ${ID_HELP}`);
      app.querySelector('[data-testid="not-found"]')?.setAttribute("data-testid", "bad-id");
      return;
    }
    await renderExplorer(fullPage(), parseExplorerQuery(explore, nodeTypeOf(q.get("type"), explore), q), nav, signal);
    return;
  }
  await renderLanding(app, nav, openHit, signal);
}

window.addEventListener("popstate", () => void route());
void route();
