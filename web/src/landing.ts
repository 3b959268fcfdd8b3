// The landing page: the search box, what the graph holds, well-connected researchers to open, and the last loads.

import * as api from "./api";
import { ApiError } from "./api";
import { clear, h } from "./dom";
import type { Nav } from "./profile";
import { SearchBox } from "./search";
import type { Overview, SearchHit } from "./types";

const fmt = (n: number): string => n.toLocaleString("en");

function plural(n: number, one: string, many: string): string {
  return `${fmt(n)} ${n === 1 ? one : many}`;
}

function counts(o: Overview): HTMLElement {
  const c = o.counts;
  const tile = (key: string, n: number, label: string, note?: string): HTMLElement =>
    h(
      "li",
      { className: "overview-count", testid: `count-${key}`, "data-value": n },
      h("strong", {}, fmt(n)),
      " ",
      label,
      note ? h("span", { className: "muted" }, ` ${note}`) : null,
    );
  return h(
    "ul",
    { className: "overview-counts", testid: "overview-counts" },
    tile("researchers", c.researchers, c.researchers === 1 ? "researcher" : "researchers"),
    tile("works", c.works, c.works === 1 ? "work" : "works"),
    tile("topics", c.topicsUsed, "topics in use", `of ${fmt(c.topics)}`),
    tile("institutions", c.institutions, c.institutions === 1 ? "institution" : "institutions"),
  );
}

function researchers(o: Overview, nav: Nav): HTMLElement {
  const items = o.researchers.map((r) => {
    const url = nav.profileUrl(r.id);
    return h(
      "li",
      {},
      h(
        "a",
        {
          href: url,
          testid: "featured-researcher",
          "data-id": r.id,
          onclick: (ev: Event) => {
            ev.preventDefault();
            nav.go(url);
          },
        },
        r.name,
      ),
      h(
        "span",
        { className: "muted" },
        ` ${plural(r.works, "work", "works")} · ${plural(r.coauthors, "co-author", "co-authors")}` +
          (r.institutions ? ` · ${plural(r.institutions, "institution", "institutions")}` : ""),
      ),
    );
  });
  return h(
    "section",
    { className: "overview-part" },
    h("h2", {}, "Researchers to start with"),
    items.length
      ? h("ol", { className: "featured", testid: "featured-researchers" }, items)
      : h(
          "p",
          { className: "muted", testid: "featured-empty" },
          `No researcher has ${o.minWorks} works and ${o.minCoauthors} co-authors yet: search for one.`,
        ),
  );
}

function when(iso: string | null): string {
  if (!iso) return "";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" });
}

function loadRuns(o: Overview): HTMLElement {
  const rows = o.loadRuns.map((r) => {
    const written = Object.entries(r.written)
      .map(([k, v]) => `${k} ${fmt(v)}`)
      .join(", ");
    return h(
      "tr",
      { testid: "load-run", "data-id": r.id, "data-status": r.status ?? "" },
      h("td", {}, when(r.startedAt)),
      h("td", {}, r.status ?? "?"),
      h("td", {}, (r.source ?? "").split(",").join(", ")),
      h("td", {}, `${fmt(r.loaded ?? 0)} loaded` + (r.rejected ? `, ${fmt(r.rejected)} rejected` : "")),
      h("td", { className: "muted" }, written),
    );
  });
  return h(
    "section",
    { className: "overview-part" },
    h("h2", {}, "Last loads"),
    rows.length
      ? h("table", { className: "load-runs", testid: "load-runs" }, h("tbody", {}, rows))
      : h("p", { className: "muted", testid: "load-runs-empty" }, "Nothing has been loaded yet (kg load or make run)."),
  );
}

export async function renderLanding(
  app: HTMLElement,
  nav: Nav,
  openHit: (hit: SearchHit) => void,
  signal: AbortSignal,
): Promise<void> {
  const search = new SearchBox("home-search", "Find a researcher, a work or a topic…", openHit, nav);
  const overview = h(
    "section",
    { className: "overview", testid: "overview", "data-state": "loading" },
    h("p", { className: "muted" }, "Reading the graph…"),
  );
  clear(app);
  app.append(
    h(
      "main",
      { className: "landing", testid: "landing" },
      h("h1", {}, "Research KG"),
      h("p", { className: "muted" }, "A research knowledge graph: researchers, their works, topics and institutions."),
      search.el,
      overview,
    ),
  );
  document.title = "Research KG";
  search.input.focus();
  try {
    const o = await api.overview(signal);
    if (signal.aborted) return;
    clear(overview);
    overview.append(counts(o), researchers(o, nav), loadRuns(o));
    overview.setAttribute("data-state", "ready");
  } catch (e) {
    if (signal.aborted || (e instanceof DOMException && e.name === "AbortError")) return;
    clear(overview);
    overview.append(
      h("p", { className: "error-text", testid: "overview-error" }, e instanceof ApiError ? e.describe() : String(e)),
    );
    overview.setAttribute("data-state", "error");
  }
}
