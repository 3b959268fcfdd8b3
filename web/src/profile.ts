// The profile view: the quick read (counts in plain words, close collaborators or, when nobody meets that bar, the
// top co-authors as such), the research graph panel (loading, drawn, empty and error states), "People you may want
// to work with" with their reasons, and the works list (titles lead to the work view; BibTeX and CSV export).

import * as api from "./api";
import { ApiError } from "./api";
import { clear, fmtNumber, h, humanise, legend, navLink } from "./dom";
import { download, slug, toBibtex, toCsv } from "./download";
import { GraphView } from "./graph";
import { workLinks } from "./links";
import type { SearchNav } from "./search";
import { exposeView } from "./testhook";
import type { Collaborator, GraphSlice, NamedRef, NodeType, QuickRead, Suggestion, WorkItem } from "./types";
import { citedText, nameList, plural, reasonLines, sharedPapers } from "./words";

export interface Nav extends SearchNav {
  go(url: string): void;
  profileUrl(id: string): string;
  workUrl(id: string): string;
  /** The explorer around a researcher (optionally focused on one of its nodes). */
  explorerUrl(root: string, focus?: string): string;
  /** The page of any node: a researcher's profile, a work's page, the explorer around a topic or institution. */
  nodeUrl(id: string, type: NodeType): string;
}

function errorText(e: unknown): string {
  return e instanceof ApiError ? e.describe() : `Something went wrong: ${String(e)}`;
}

/** The slice behind the panel, fetched once and reused by the explorer opened from it. */
const sliceCache = new Map<string, Promise<GraphSlice>>();

export function loadSlice(id: string, fresh = false): Promise<GraphSlice> {
  let p = sliceCache.get(id);
  if (!p || fresh) {
    p = api.researcherSlice(id);
    sliceCache.set(id, p);
    p.catch(() => sliceCache.delete(id));
  }
  return p;
}

function link(nav: Nav, href: string, attrs: Record<string, string | null>, ...children: (Node | string | null)[]): HTMLAnchorElement {
  return navLink((url) => nav.go(url), href, attrs, ...children);
}

function badge(testid: string, label: string, value: string, tone: "good" | "warn" | "plain" = "plain"): HTMLElement {
  return h("span", { className: `badge ${tone}`, testid }, h("span", { className: "badge-k" }, label), " ", value);
}

function refList(refs: NamedRef[], testid: string, href: (r: NamedRef) => string, nav: Nav): HTMLElement {
  if (!refs.length) return h("p", { className: "muted", testid }, "None in the graph yet.");
  return h(
    "ul",
    { className: "chips", testid },
    refs.map((r) =>
      h("li", {}, link(nav, href(r), { "data-id": r.id }, r.name, r.extra ? h("span", { className: "chip-extra" }, ` ${r.extra}`) : null)),
    ),
  );
}

function count(testid: string, label: string, value: number | null, note: string | null = null): HTMLElement {
  return h(
    "div",
    { className: "count", testid: `count-${testid}` },
    h("dt", {}, label),
    h("dd", {}, fmtNumber(value)),
    note ? h("p", { className: "count-note muted" }, note) : null,
  );
}

const REPORTED_WORDS: Record<string, string> = {
  works: "Works",
  topics: "Topics",
  close_collaborators: "Close collaborators",
  followers: "Followers",
};

function people(list: Collaborator[], testid: string, nav: Nav): HTMLElement {
  return h(
    "ul",
    { className: "people", testid },
    list.map((c) =>
      h(
        "li",
        { "data-id": c.id },
        link(nav, nav.profileUrl(c.id), { className: "person-name" }, c.name),
        h("span", { className: "muted" }, ` · ${sharedPapers(c.sharedWorks, c.firstYear, c.lastYear)}`),
      ),
    ),
  );
}

export function renderQuickRead(q: QuickRead, nav: Nav, signal: AbortSignal): HTMLElement {
  const trust =
    q.trustScore === null && !q.trustLabel
      ? "—"
      : [q.trustScore === null ? null : fmtNumber(q.trustScore), q.trustLabel].filter(Boolean).join(" · ");
  const trustTone = (q.trustLabel ?? "").match(/high|trusted|verified/i) ? "good" : "plain";
  const reported = Object.entries(q.reported).filter(([, v]) => v !== null);
  const rule = q.closeRule.minSharedWorks;
  const c = q.counts;
  const coauthors = c.coauthors ?? 0;
  const collaborators = h("div", { className: "collaborators-slot" });
  const section = h(
    "section",
    { className: "quick-read card", testid: "quick-read", "data-id": q.id },
    h("h1", { testid: "profile-name" }, q.name),
    q.headline ? h("p", { className: "headline", testid: "profile-headline" }, q.headline) : null,
    h(
      "div",
      { className: "badges" },
      badge("profile-claimed", "Profile", q.claimed === null ? "claim unknown" : q.claimed ? "claimed" : "not claimed", q.claimed ? "good" : "plain"),
      badge("profile-verification", "Verification", humanise(q.verificationLevel)),
      badge("profile-trust", "Trust", trust, trustTone),
      badge(
        "profile-affiliation-status",
        "Affiliation",
        humanise(q.affiliationStatus),
        q.affiliationStatus === "known" ? "good" : q.affiliationStatus ? "warn" : "plain",
      ),
      q.openToCollaborate ? badge("profile-open", "Open", "to collaborate", "good") : null,
    ),
    h("h2", {}, "In the graph"),
    h(
      "dl",
      { className: "counts", testid: "profile-counts" },
      count("works", "Works", c.works ?? null),
      count("coauthors", "Co-authors", c.coauthors ?? null),
      count("close_collaborators", "Close collaborators", c.close_collaborators ?? null, `${rule}+ shared papers`),
      count("topics", "Topics", c.topics ?? null),
      count("institutions", "Institutions", c.institutions ?? null),
    ),
    reported.length
      ? [
          h("h2", {}, "As the source states"),
          h(
            "dl",
            { className: "counts", testid: "profile-reported" },
            reported.map(([k, v]) => count(k, REPORTED_WORDS[k] ?? humanise(k), v)),
          ),
        ]
      : null,
    h("h2", {}, "Top topics"),
    refList(q.topTopics, "top-topics", (r) => nav.nodeUrl(r.id, "topic"), nav),
    collaborators,
    q.institutions.length
      ? [h("h2", {}, "Institutions"), refList(q.institutions, "profile-institutions", (r) => nav.nodeUrl(r.id, "institution"), nav)]
      : null,
    h(
      "details",
      { className: "ids", testid: "profile-ids" },
      h("summary", {}, "Ids and other names"),
      h(
        "dl",
        { className: "fields" },
        h("dt", {}, "Id"),
        h("dd", { className: "mono", testid: "profile-id" }, q.id),
        q.orcid ? [h("dt", {}, "ORCID"), h("dd", {}, h("a", { href: `https://orcid.org/${q.orcid}`, rel: "noopener", target: "_blank" }, q.orcid))] : null,
        q.openalexId ? [h("dt", {}, "OpenAlex"), h("dd", { className: "mono" }, q.openalexId)] : null,
        q.aliases.length ? [h("dt", {}, "Also"), h("dd", {}, q.aliases.join(", "))] : null,
      ),
    ),
  );
  // Close collaborators when someone meets the bar; otherwise the top co-authors, named as such.
  if (q.closeCollaborators.length) {
    collaborators.append(
      h("h2", { testid: "collaborators-heading" }, "Close collaborators"),
      h("p", { className: "muted small" }, `Co-authors with ${rule} or more shared papers, the strongest ties first.`),
      people(q.closeCollaborators, "top-collaborators", nav),
    );
  } else if (coauthors > 0) {
    collaborators.append(
      h("h2", { testid: "collaborators-heading" }, "Top co-authors"),
      h(
        "p",
        { className: "muted small", testid: "collaborators-note" },
        `No co-author has ${rule} or more shared papers with ${q.name} yet, so none counts as a close collaborator; these are the strongest ties.`,
      ),
    );
    const slot = h("div", {}, h("p", { className: "muted" }, "Loading co-authors…"));
    collaborators.append(slot);
    api.collaborators(q.id, 5, signal).then(
      (list) => {
        if (signal.aborted) return;
        clear(slot);
        slot.append(people(list, "top-collaborators", nav));
      },
      (e: unknown) => {
        if (signal.aborted) return;
        clear(slot);
        slot.append(h("p", { className: "muted" }, `Could not load the co-authors: ${errorText(e)}`));
      },
    );
  } else {
    collaborators.append(h("h2", { testid: "collaborators-heading" }, "Co-authors"), h("p", { className: "muted", testid: "top-collaborators" }, "None in the graph yet."));
  }
  return section;
}

/** The research graph panel of one researcher. */
export class GraphPanel {
  readonly el: HTMLElement;
  private body: HTMLElement;
  private summary: HTMLElement;
  private legendSlot: HTMLElement;
  private view: GraphView | null = null;
  private slice: GraphSlice | null = null;
  private totals: Record<string, number | null> | null = null;

  constructor(
    private readonly id: string,
    private readonly nav: Nav,
    private readonly signal: AbortSignal,
  ) {
    this.summary = h("p", { className: "panel-summary muted", testid: "graph-summary" });
    this.body = h("div", { className: "panel-body" });
    this.legendSlot = h("div", { className: "legend-slot" }, legend());
    this.el = h(
      "section",
      { className: "graph-panel card", testid: "graph-panel", "data-state": "loading", "aria-live": "polite" },
      h(
        "header",
        { className: "panel-head" },
        h("h2", {}, "Research graph"),
        link(nav, nav.explorerUrl(id), { className: "button primary", testid: "open-explorer" }, "Open full explorer"),
      ),
      this.body,
      h("footer", { className: "panel-foot" }, this.legendSlot, this.summary),
    );
  }

  async load(fresh = false): Promise<void> {
    this.setState("loading");
    clear(this.body);
    this.body.append(
      h(
        "div",
        { className: "state loading", testid: "graph-loading", role: "status" },
        h("span", { className: "spinner", "aria-hidden": "true" }),
        "Building this graph slice…",
      ),
    );
    this.summary.textContent = "";
    let slice: GraphSlice;
    try {
      slice = await loadSlice(this.id, fresh);
    } catch (e) {
      if (!this.signal.aborted) this.showError(e);
      return;
    }
    // The person may have left while the slice was on its way (the slice stays cached for when they come back).
    if (!this.signal.aborted) this.show(slice);
  }

  /** The researcher's counts from the quick read, so the summary can say "12 of 34 co-authors". */
  setTotals(counts: Record<string, number | null>): void {
    this.totals = counts;
    this.renderSummary();
  }

  /** The panel gives way to the profile's own "no such researcher" message. */
  hide(): void {
    this.el.hidden = true;
  }

  private setState(state: "loading" | "ready" | "empty" | "error"): void {
    this.el.dataset.state = state;
  }

  private show(slice: GraphSlice): void {
    clear(this.body);
    this.view?.destroy();
    this.view = null;
    this.slice = slice;
    const centre = slice.nodes.find((n) => n.id === this.id);
    const others = slice.nodes.filter((n) => n.id !== this.id);
    if (!others.length) {
      this.setState("empty");
      const hidden = centre?.hiddenNeighbours ?? 0;
      this.body.append(
        h(
          "div",
          { className: "state empty", testid: "graph-empty" },
          h("strong", {}, "No connections in the graph yet."),
          h(
            "span",
            {},
            hidden
              ? `${hidden} neighbours exist but none fit this slice's budget; open the full explorer to expand.`
              : "This researcher has no works, co-authors, topics or institutions loaded. Load more sources to fill it in.",
          ),
        ),
      );
      this.summary.textContent = "";
      return;
    }
    const centreName = centre?.label ?? this.id;
    const canvas = h("div", {
      className: "graph-canvas",
      testid: "graph-canvas",
      role: "img",
      "aria-label": `Research graph around ${centreName}: ${slice.nodes.length} nodes and ${slice.edges.length} ties. The full explorer lists each node's connections.`,
    });
    this.body.append(canvas);
    this.setState("ready");
    this.view = new GraphView(canvas, {
      moreFor: "centre",
      interactive: false,
      signal: this.signal,
      onNodeTap: (n) => this.nav.go(this.nav.explorerUrl(this.id, n.id)),
      onMoreTap: () => this.nav.go(this.nav.explorerUrl(this.id, this.id)),
    });
    this.view.setSlice(slice, this.id);
    exposeView("panel", this.view);
    clear(this.legendSlot);
    this.legendSlot.append(legend({ years: this.view.yearRange(), citations: this.view.hasCitations(), suggestions: false }));
    this.el.dataset.nodes = String(slice.nodes.length);
    this.el.dataset.edges = String(slice.edges.length);
    this.el.dataset.truncated = String(slice.truncated);
    this.renderSummary();
  }

  /** "Drawn: 12 of 34 co-authors, 15 of 17 works, 2 topics · 19 more connections in the explorer". */
  private renderSummary(): void {
    const slice = this.slice;
    if (!slice || !slice.nodes.length) return;
    const drawn = (t: NodeType): number => slice.nodes.filter((n) => n.type === t && n.id !== this.id).length;
    const parts: string[] = [];
    const totals = this.totals ?? {};
    const one = (t: NodeType, key: string, sing: string, many: string): void => {
      const n = drawn(t);
      const total = totals[key];
      if (!n && !total) return;
      parts.push(total !== null && total !== undefined && total > n ? `${n} of ${plural(total, sing, many)}` : plural(n, sing, many));
    };
    one("researcher", "coauthors", "co-author", "co-authors");
    one("work", "works", "work", "works");
    one("topic", "topics", "topic", "topics");
    one("institution", "institutions", "institution", "institutions");
    const hidden = slice.nodes.find((n) => n.id === this.id)?.hiddenNeighbours ?? 0;
    this.summary.textContent =
      `Drawn: ${parts.join(", ")}` +
      (hidden ? ` · ${plural(hidden, "more connection", "more connections")} in the explorer` : "") +
      " · click a node to explore it";
  }

  private showError(e: unknown): void {
    this.setState("error");
    clear(this.body);
    if (e instanceof ApiError && e.notFound) {
      // nothing to retry: the profile says there is no such researcher
      this.body.append(h("div", { className: "state error", testid: "graph-error" }, h("strong", {}, "No researcher with this id.")));
      return;
    }
    this.body.append(
      h(
        "div",
        { className: "state error", testid: "graph-error", role: "alert" },
        h("strong", {}, "Could not build this graph slice."),
        h("span", { testid: "graph-error-message" }, errorText(e)),
        h("button", { className: "button", testid: "graph-retry", onclick: () => void this.load(true) }, "Try again"),
      ),
    );
  }
}

/** "People you may want to work with": suggested collaborators with their reasons in plain words. */
export class SuggestionsList {
  readonly el: HTMLElement;
  private body: HTMLElement;

  constructor(
    private readonly id: string,
    private readonly nav: Nav,
    private readonly signal: AbortSignal,
  ) {
    this.body = h("div", { className: "suggestions-body" }, h("p", { className: "muted" }, "Loading suggestions…"));
    this.el = h(
      "section",
      { className: "suggestions card", testid: "suggestions", "data-state": "loading" },
      h("h2", {}, "People you may want to work with"),
      this.body,
    );
  }

  async load(): Promise<void> {
    let list: Suggestion[];
    try {
      list = await api.suggestions(this.id, 6, this.signal);
    } catch (e) {
      if (this.signal.aborted) return;
      this.el.dataset.state = "error";
      clear(this.body);
      this.body.append(h("p", { className: "muted", testid: "suggestions-error" }, `Could not load suggestions: ${errorText(e)}`));
      return;
    }
    if (this.signal.aborted) return;
    clear(this.body);
    if (!list.length) {
      this.el.dataset.state = "empty";
      this.body.append(
        h(
          "p",
          { className: "muted", testid: "suggestions-empty" },
          "No suggestions yet: they come from shared co-authors, topics and institutions once collaborator discovery has run.",
        ),
      );
      return;
    }
    this.el.dataset.state = "ready";
    this.body.append(
      h("p", { className: "muted small" }, "Not yet co-authors, but close in the graph. Best match first."),
      h(
        "ol",
        { className: "suggestion-list" },
        list.map((s) =>
          h(
            "li",
            { className: "suggestion", testid: "suggestion", "data-id": s.id },
            link(this.nav, this.nav.profileUrl(s.id), { className: "person-name", testid: "suggestion-link" }, s.name),
            s.context.length ? h("p", { className: "muted small", testid: "suggestion-context" }, s.context.join(" · ")) : null,
            s.headline ? h("p", { className: "muted small" }, s.headline) : null,
            h(
              "ul",
              { className: "reasons" },
              reasonLines(s.reasons, s.openToCollaborate).map((r) => h("li", { testid: "suggestion-reason" }, r)),
            ),
          ),
        ),
      ),
    );
  }

  hide(): void {
    this.el.hidden = true;
  }
}

/** The works list, a page at a time, with BibTeX and CSV export of all of them. */
export class WorksList {
  readonly el: HTMLElement;
  private list: HTMLOListElement;
  private more: HTMLButtonElement;
  private status: HTMLElement;
  private exportStatus: HTMLElement;
  private cursor: string | null = null;
  private shown = 0;
  private name = "";

  constructor(
    private readonly id: string,
    private readonly nav: Nav,
    private readonly signal: AbortSignal,
  ) {
    this.list = h("ol", { className: "works", testid: "works-items" });
    this.status = h("p", { className: "muted", testid: "works-status" });
    this.exportStatus = h("span", { className: "muted small", testid: "export-status", role: "status" });
    this.more = h("button", { className: "button", testid: "works-more", onclick: () => void this.next() }, "Show more works");
    this.more.hidden = true;
    this.el = h(
      "section",
      { className: "works-list card", testid: "works-list" },
      h(
        "header",
        { className: "works-head" },
        h("h2", {}, "Works"),
        h(
          "div",
          { className: "export" },
          "Export all: ",
          h("button", { className: "button small", testid: "export-bibtex", onclick: () => void this.export("bib") }, "BibTeX"),
          h("button", { className: "button small", testid: "export-csv", onclick: () => void this.export("csv") }, "CSV"),
          this.exportStatus,
        ),
      ),
      this.list,
      this.status,
      this.more,
    );
  }

  setName(name: string): void {
    this.name = name;
  }

  hide(): void {
    this.el.hidden = true;
  }

  private async export(kind: "bib" | "csv"): Promise<void> {
    this.exportStatus.textContent = "Collecting the works…";
    try {
      const { works, complete } = await api.allWorks(this.id, this.signal);
      if (this.signal.aborted) return;
      const name = `${slug(this.name || this.id)}-works.${kind}`;
      const data = kind === "bib" ? toBibtex(works) : toCsv(works);
      download(name, new Blob([data], { type: kind === "bib" ? "application/x-bibtex;charset=utf-8" : "text/csv;charset=utf-8" }));
      this.exportStatus.textContent = complete
        ? `${plural(works.length, "work", "works")} exported`
        : `the first ${works.length.toLocaleString("en")} works exported (an export stops there)`;
    } catch (e) {
      if (this.signal.aborted) return;
      this.exportStatus.textContent = `Could not export: ${errorText(e)}`;
    }
  }

  async next(): Promise<void> {
    this.more.disabled = true;
    this.status.textContent = "Loading works…";
    try {
      const page = await api.researcherWorks(this.id, this.cursor, this.signal);
      for (const w of page.items) this.list.append(workItem(w, this.nav));
      this.shown += page.items.length;
      this.cursor = page.nextCursor;
      this.more.hidden = !this.cursor;
      const of = page.total !== null ? ` of ${page.total}` : "";
      this.status.textContent = this.shown ? `${this.shown}${of} works shown` : "No works in the graph yet.";
    } catch (e) {
      if (this.signal.aborted) return;
      this.status.textContent = `Could not load the works: ${errorText(e)}`;
      this.status.dataset.testid = "works-error";
      this.more.hidden = false;
    } finally {
      this.more.disabled = false;
    }
  }
}

function workItem(w: WorkItem, nav: Nav): HTMLElement {
  const authors = w.authors.length ? nameList(w.authors, w.authorsTruncated ? w.authors.length + 1 : w.authors.length, 3) : null;
  return h(
    "li",
    { testid: "work-item", "data-id": w.id },
    link(nav, nav.workUrl(w.id), { className: "work-title", testid: "work-link" }, w.title),
    authors ? h("span", { className: "work-authors muted" }, authors) : null,
    h(
      "span",
      { className: "work-meta muted" },
      [w.year, w.venue, citedText(w.citedByCount)].filter((x) => x !== null && x !== "").join(" · "),
      " ",
      workLinks(w),
    ),
  );
}

/** The whole profile page for one researcher. */
export async function renderProfile(main: HTMLElement, id: string, nav: Nav, signal: AbortSignal): Promise<void> {
  clear(main);
  const quick = h("div", { className: "quick-slot", testid: "quick-read-slot" }, h("p", { className: "muted" }, "Loading the profile…"));
  const panel = new GraphPanel(id, nav, signal);
  const suggestions = new SuggestionsList(id, nav, signal);
  const works = new WorksList(id, nav, signal);
  main.append(h("div", { className: "profile", testid: "profile" }, quick, h("div", { className: "profile-main" }, panel.el, suggestions.el, works.el)));
  document.title = "Research KG";
  const quickLoad = api.quickRead(id, signal).then(
    (q) => {
      if (signal.aborted) return;
      clear(quick);
      quick.append(renderQuickRead(q, nav, signal));
      panel.setTotals(q.counts);
      works.setName(q.name);
      document.title = `${q.name} · Research KG`;
    },
    (e: unknown) => {
      if (signal.aborted) return;
      clear(quick);
      const notFound = e instanceof ApiError && e.notFound;
      if (notFound) {
        // One clear message instead of a failing panel, list and quick read side by side.
        panel.hide();
        suggestions.hide();
        works.hide();
      }
      quick.append(
        h(
          "section",
          { className: "card state error", testid: "profile-error", role: "alert" },
          h("strong", {}, notFound ? "No researcher with this id." : "Could not load the profile."),
          h("span", {}, notFound ? id : errorText(e)),
          notFound ? link(nav, "/", { className: "button", testid: "profile-home" }, "Search the graph") : null,
        ),
      );
    },
  );
  await Promise.all([quickLoad, panel.load(), suggestions.load(), works.next()]);
}
