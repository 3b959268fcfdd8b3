// The "all results" page of a search (/search?q=…&type=…): every hit, a page at a time, by kind or all kinds, each
// with what tells it apart from others of the same name.

import * as api from "./api";
import { ApiError } from "./api";
import { clear, h } from "./dom";
import type { Nav } from "./profile";
import { GROUP_TITLES, hitBody } from "./search";
import type { NodeType } from "./types";
import { NODE_TYPES } from "./types";

export async function renderResults(main: HTMLElement, q: string, type: NodeType | null, nav: Nav, signal: AbortSignal): Promise<void> {
  clear(main);
  document.title = q ? `“${q}” · Search · Research KG` : "Search · Research KG";
  const list = h("ol", { className: "results-list", testid: "results-list" });
  const status = h("p", { className: "muted", testid: "results-status", role: "status" });
  const more = h("button", { className: "button", testid: "results-more" }, "Show more results");
  more.hidden = true;
  const tabs = h(
    "nav",
    { className: "tabs", "aria-label": "Kinds of results" },
    [null, ...NODE_TYPES].map((t) => {
      const href = nav.searchUrl(q, t);
      return h(
        "a",
        {
          className: `tab${t === type ? " on" : ""}`,
          testid: `results-tab-${t ?? "all"}`,
          href,
          "aria-current": t === type ? "page" : null,
          onclick: (ev: Event) => {
            ev.preventDefault();
            nav.go(href);
          },
        },
        t ? GROUP_TITLES[t] : "All",
      );
    }),
  );
  main.append(
    h(
      "section",
      { className: "results card", testid: "search-page" },
      h("h1", {}, q ? `Results for “${q}”` : "Search"),
      tabs,
      list,
      status,
      more,
    ),
  );
  if (!q) {
    status.textContent = "Type a name, a title or a topic in the search box above.";
    return;
  }
  let cursor: string | null = null;
  let shown = 0;
  const next = async (): Promise<void> => {
    more.disabled = true;
    status.textContent = "Searching…";
    try {
      const page = await api.searchPage(q, type, cursor, signal);
      if (signal.aborted) return;
      for (const hit of page.items) {
        const href = nav.nodeUrl(hit.id, hit.type);
        list.append(
          h(
            "li",
            { testid: "results-item", "data-id": hit.id, "data-type": hit.type },
            h(
              "a",
              {
                className: "result",
                href,
                onclick: (ev: Event) => {
                  ev.preventDefault();
                  nav.go(href);
                },
              },
              hitBody(hit),
            ),
          ),
        );
      }
      shown += page.items.length;
      cursor = page.nextCursor;
      more.hidden = !cursor;
      status.textContent = shown ? `${shown.toLocaleString("en")} results shown${cursor ? "" : " (all of them)"}` : `Nothing matches “${q}”.`;
    } catch (e) {
      if (signal.aborted) return;
      status.textContent = e instanceof ApiError ? e.describe() : String(e);
    } finally {
      more.disabled = false;
    }
  };
  more.addEventListener("click", () => void next());
  await next();
}
