// The work view: title, authors (to their profiles), venue and year, the abstract with its LaTeX typeset, topics,
// DOI / arXiv / PDF links, citations as a source counts them, and the works it cites and that cite it.

import * as api from "./api";
import { ApiError } from "./api";
import { clear, h, navLink } from "./dom";
import { workLinks } from "./links";
import { withMath } from "./math";
import type { Nav } from "./profile";
import type { WorkDetail, WorkRef } from "./types";
import { plural } from "./words";

function go(nav: Nav, href: string, attrs: Record<string, string>, ...children: (Node | string)[]): HTMLAnchorElement {
  return navLink((url) => nav.go(url), href, attrs, ...children);
}

function refList(list: WorkRef[], total: number, testid: string, nav: Nav, empty: string): HTMLElement {
  if (!list.length) return h("p", { className: "muted", testid }, empty);
  return h(
    "div",
    {},
    h(
      "ol",
      { className: "work-refs", testid },
      list.map((w) =>
        h("li", { "data-id": w.id }, go(nav, nav.workUrl(w.id), {}, withMath(w.title)), w.year !== null ? h("span", { className: "muted" }, ` · ${w.year}`) : ""),
      ),
    ),
    total > list.length ? h("p", { className: "muted small" }, `The ${list.length} newest of ${total.toLocaleString("en")}.`) : null,
  );
}

function view(w: WorkDetail, nav: Nav): HTMLElement {
  const meta = [w.venue, w.date ?? (w.year !== null ? String(w.year) : null), w.type].filter((x): x is string => !!x);
  const authors = w.authorRefs.length
    ? h(
        "p",
        { className: "work-authors", testid: "work-authors" },
        w.authorRefs.map((a, i) => [i ? ", " : "", go(nav, nav.profileUrl(a.id), { "data-id": a.id }, a.name)]),
        w.authorsTruncated ? " et al." : "",
      )
    : null;
  const citations: string[] = [];
  if (w.citedByCount !== null) citations.push(`Cited ${plural(w.citedByCount, "time", "times")} (as OpenAlex counts)`);
  if (w.citedByInGraph) citations.push(`${plural(w.citedByInGraph, "citing work", "citing works")} in this graph`);
  return h(
    "article",
    { className: "work-view card", testid: "work-view", "data-id": w.id },
    h("p", { className: "kind muted" }, "Work"),
    h("h1", { testid: "work-title" }, withMath(w.title)),
    authors,
    meta.length ? h("p", { className: "muted", testid: "work-meta" }, meta.join(" · ")) : null,
    citations.length ? h("p", { testid: "work-citations" }, citations.join(" · ")) : null,
    h(
      "p",
      { className: "links work-links" },
      workLinks(w, "work"),
      go(nav, `/?${new URLSearchParams({ explore: w.id, type: "work" }).toString()}`, { className: "button", "data-testid": "work-explore" }, "Open in explorer"),
    ),
    h("h2", {}, "Abstract"),
    w.abstract
      ? h("div", { className: "abstract-full", testid: "work-abstract" }, withMath(w.abstract))
      : h("p", { className: "muted", testid: "work-abstract" }, "No abstract in the graph."),
    w.topics.length
      ? [
          h("h2", {}, "Topics"),
          h(
            "ul",
            { className: "chips", testid: "work-topics" },
            w.topics.map((t) => h("li", {}, go(nav, nav.nodeUrl(t.id, "topic"), { "data-id": t.id }, t.name))),
          ),
        ]
      : null,
    h("div", { className: "work-citations-lists" },
      h("section", {}, h("h2", {}, `Cites (${w.citesCount})`), refList(w.cites, w.citesCount, "work-cites", nav, "No cited work in the graph (the sources name none, or not loaded).")),
      h("section", {}, h("h2", {}, `Cited by (${w.citedByInGraph} in the graph)`), refList(w.citedBy, w.citedByInGraph, "work-cited-by", nav, "No citing work in the graph.")),
    ),
    h("details", { className: "ids", testid: "work-ids" }, h("summary", {}, "Id"), h("p", { className: "mono" }, w.id), w.openalexId ? h("p", { className: "mono" }, `OpenAlex ${w.openalexId}`) : null),
  );
}

export async function renderWork(main: HTMLElement, id: string, nav: Nav, signal: AbortSignal): Promise<void> {
  clear(main);
  const slot = h("div", { className: "work-page" }, h("p", { className: "muted", testid: "work-loading" }, "Loading the work…"));
  main.append(slot);
  try {
    const w = await api.workDetail(id, signal);
    if (signal.aborted) return;
    clear(slot);
    slot.append(view(w, nav));
    document.title = `${w.title} · Research KG`;
  } catch (e) {
    if (signal.aborted) return;
    clear(slot);
    const notFound = e instanceof ApiError && e.notFound;
    slot.append(
      h(
        "section",
        { className: "card state error", testid: "work-error", role: "alert" },
        h("strong", {}, notFound ? "No work with this id." : "Could not load the work."),
        h("span", {}, notFound ? id : e instanceof ApiError ? e.describe() : String(e)),
        go(nav, "/", { className: "button" }, "Search the graph"),
      ),
    );
  }
}
