// The page's entry: a tiny router over the URLs the API serves (/, /researchers/{id}) and the views behind them.

import "./styles.css";

import { nodeTypeOf } from "./api";
import { clear, h } from "./dom";
import { renderExplorer } from "./explorer";
import { renderLanding } from "./landing";
import type { Nav } from "./profile";
import { renderProfile } from "./profile";
import { SearchBox } from "./search";
import type { NodeType, SearchHit } from "./types";

const app = document.getElementById("app") as HTMLElement;

const nav: Nav = {
  go(url: string): void {
    if (url !== location.pathname + location.search) history.pushState(null, "", url);
    void route();
  },
  profileUrl(id: string): string {
    return `/researchers/${encodeURIComponent(id)}`;
  },
  explorerUrl(root: string, focus?: string): string {
    const q = new URLSearchParams({ view: "explorer" });
    if (focus) q.set("focus", focus);
    return `/researchers/${encodeURIComponent(root)}?${q.toString()}`;
  },
  nodeUrl(id: string, type: NodeType): string {
    if (type === "researcher") return this.profileUrl(id);
    return `/?${new URLSearchParams({ explore: id, type }).toString()}`;
  },
};

function openHit(hit: SearchHit): void {
  nav.go(nav.nodeUrl(hit.id, hit.type));
}

function chrome(): HTMLElement {
  const search = new SearchBox("site-search", "Search researchers, works, topics…", openHit);
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

// Each route owns the page until the next one: leaving aborts its fetches and lets its drawings go, so a slice
// that arrives for a page the person already left is dropped instead of drawn into a detached element.
let current = new AbortController();

async function route(): Promise<void> {
  current.abort();
  current = new AbortController();
  const signal = current.signal;
  const path = location.pathname;
  const q = new URLSearchParams(location.search);
  const m = path.match(/^\/researchers\/(.+?)\/?$/);
  if (m) {
    let id: string;
    try {
      id = decodeURIComponent(m[1]);
    } catch {
      id = m[1];
    }
    if (q.get("view") === "explorer") {
      clear(app);
      const main = h("main", { className: "page full" });
      app.append(main);
      await renderExplorer(main, id, "researcher", q.get("focus"), nav, signal);
    } else {
      await renderProfile(chrome(), id, nav, signal);
    }
    return;
  }
  const explore = q.get("explore");
  if (explore) {
    clear(app);
    const main = h("main", { className: "page full" });
    app.append(main);
    const t = q.get("type");
    await renderExplorer(main, explore, nodeTypeOf(t, explore), q.get("focus"), nav, signal);
    return;
  }
  await renderLanding(app, nav, openHit, signal);
}

window.addEventListener("popstate", () => void route());
void route();
