// The profile view: the quick read, the research graph panel (loading, drawn, empty and error states) and the
// works list with cursor paging.

import * as api from "./api";
import { ApiError } from "./api";
import { clear, fmtNumber, h, humanise, legend } from "./dom";
import { GraphView } from "./graph";
import { exposeView } from "./testhook";
import type { GraphSlice, NamedRef, NodeType, QuickRead, WorkItem } from "./types";

export interface Nav {
  go(url: string): void;
  profileUrl(id: string): string;
  /** The explorer around a researcher (optionally focused on one of its nodes). */
  explorerUrl(root: string, focus?: string): string;
  /** The explorer around any node (a work, topic or institution). */
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

const COUNT_ORDER = ["works", "topics", "close_collaborators", "collaborators", "coauthors", "institutions"];
const COUNT_WORDS: Record<string, string> = {
  works: "Works",
  topics: "Topics",
  close_collaborators: "Close collaborators",
  collaborators: "Collaborators",
  coauthors: "Co-authors",
  institutions: "Institutions",
  followers: "Followers",
  reported_works: "Works",
  reported_topics: "Topics",
  reported_close_collaborators: "Close collaborators",
};

function countList(values: Record<string, number | null>, testid: string): HTMLElement {
  // An optional count the API has no value for (big_team_works before COAUTHOR ran) is left out, not shown as —.
  const keys = Object.keys(values).filter((k) => values[k] !== null || COUNT_ORDER.includes(k));
  keys.sort((a, b) => {
    const ia = COUNT_ORDER.indexOf(a);
    const ib = COUNT_ORDER.indexOf(b);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b);
  });
  return h(
    "dl",
    { className: "counts", testid },
    keys.map((k) =>
      h(
        "div",
        { className: "count", testid: `count-${k}` },
        h("dt", {}, COUNT_WORDS[k] ?? humanise(k).replace(/^\w/, (c) => c.toUpperCase())),
        h("dd", {}, fmtNumber(values[k])),
      ),
    ),
  );
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
      h(
        "li",
        {},
        h(
          "a",
          {
            href: href(r),
            "data-id": r.id,
            onclick: (ev: Event) => {
              ev.preventDefault();
              nav.go(href(r));
            },
          },
          r.name,
          r.extra ? h("span", { className: "chip-extra" }, ` ${r.extra}`) : null,
        ),
      ),
    ),
  );
}

export function renderQuickRead(q: QuickRead, nav: Nav): HTMLElement {
  const trust =
    q.trustScore === null && !q.trustLabel
      ? "—"
      : [q.trustScore === null ? null : fmtNumber(q.trustScore), q.trustLabel].filter(Boolean).join(" · ");
  const trustTone = (q.trustLabel ?? "").match(/high|trusted|verified/i) ? "good" : "plain";
  const reported = Object.fromEntries(Object.entries(q.reported).filter(([, v]) => v !== null));
  return h(
    "section",
    { className: "quick-read card", testid: "quick-read", "data-id": q.id },
    h("h1", { testid: "profile-name" }, q.name),
    q.headline ? h("p", { className: "headline", testid: "profile-headline" }, q.headline) : null,
    h(
      "div",
      { className: "badges" },
      badge(
        "profile-claimed",
        "Profile",
        q.claimed === null ? "claim unknown" : q.claimed ? "claimed" : "not claimed",
        q.claimed ? "good" : "plain",
      ),
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
    h("h2", {}, "From the graph"),
    countList(q.counts, "profile-counts"),
    Object.keys(reported).length
      ? [h("h2", {}, "As the source states"), countList(reported, "profile-reported")]
      : null,
    h("h2", {}, "Top topics"),
    refList(q.topTopics, "top-topics", (r) => nav.nodeUrl(r.id, "topic"), nav),
    h("h2", {}, "Top collaborators"),
    refList(q.topCollaborators, "top-collaborators", (r) => nav.profileUrl(r.id), nav),
    q.institutions.length
      ? [
          h("h2", {}, "Institutions"),
          refList(q.institutions, "profile-institutions", (r) => nav.nodeUrl(r.id, "institution"), nav),
        ]
      : null,
  );
}

/** The research graph panel of one researcher. */
export class GraphPanel {
  readonly el: HTMLElement;
  private body: HTMLElement;
  private summary: HTMLElement;
  private view: GraphView | null = null;

  constructor(
    private readonly id: string,
    private readonly nav: Nav,
    private readonly signal: AbortSignal,
  ) {
    this.summary = h("p", { className: "panel-summary muted", testid: "graph-summary" });
    this.body = h("div", { className: "panel-body" });
    this.el = h(
      "section",
      { className: "graph-panel card", testid: "graph-panel", "data-state": "loading", "aria-live": "polite" },
      h(
        "header",
        { className: "panel-head" },
        h("h2", {}, "Research graph"),
        h(
          "a",
          {
            className: "button primary",
            href: nav.explorerUrl(id),
            testid: "open-explorer",
            onclick: (ev: Event) => {
              ev.preventDefault();
              nav.go(nav.explorerUrl(id));
            },
          },
          "Open full explorer",
        ),
      ),
      this.body,
      h("footer", { className: "panel-foot" }, legend(), this.summary),
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

  private setState(state: "loading" | "ready" | "empty" | "error"): void {
    this.el.dataset.state = state;
  }

  private show(slice: GraphSlice): void {
    clear(this.body);
    this.view?.destroy();
    this.view = null;
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
      "aria-label": `Research graph around ${centreName}: ${slice.nodes.length} nodes and ${slice.edges.length} edges. The full explorer lists each node's connections.`,
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
    const nodes = slice.nodes.length;
    this.el.dataset.nodes = String(nodes);
    this.el.dataset.edges = String(slice.edges.length);
    this.el.dataset.truncated = String(slice.truncated);
    const max = slice.budget.max_nodes;
    const hidden = centre?.hiddenNeighbours ?? 0;
    this.summary.textContent =
      `${nodes} nodes · ${slice.edges.length} edges` +
      (slice.truncated ? ` · trimmed to the budget${typeof max === "number" ? ` of ${max} nodes` : ""}` : "") +
      (hidden ? ` · ${fmtNumber(hidden)} more around this researcher` : "") +
      " · click a node to explore it";
  }

  private showError(e: unknown): void {
    this.setState("error");
    clear(this.body);
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

function workLinks(w: WorkItem): HTMLElement[] {
  const out: HTMLElement[] = [];
  if (w.doi) out.push(h("a", { href: `https://doi.org/${w.doi}`, rel: "noopener", target: "_blank" }, "DOI"));
  if (w.arxivId) out.push(h("a", { href: `https://arxiv.org/abs/${w.arxivId}`, rel: "noopener", target: "_blank" }, "arXiv"));
  return out;
}

/** The works list, a page at a time. */
export class WorksList {
  readonly el: HTMLElement;
  private list: HTMLOListElement;
  private more: HTMLButtonElement;
  private status: HTMLElement;
  private cursor: string | null = null;
  private shown = 0;

  constructor(
    private readonly id: string,
    private readonly signal: AbortSignal,
  ) {
    this.list = h("ol", { className: "works", testid: "works-items" });
    this.status = h("p", { className: "muted", testid: "works-status" });
    this.more = h("button", { className: "button", testid: "works-more", onclick: () => void this.next() }, "Show more works");
    this.more.hidden = true;
    this.el = h("section", { className: "works-list card", testid: "works-list" }, h("h2", {}, "Works"), this.list, this.status, this.more);
  }

  async next(): Promise<void> {
    this.more.disabled = true;
    this.status.textContent = "Loading works…";
    try {
      const page = await api.researcherWorks(this.id, this.cursor, this.signal);
      for (const w of page.items) {
        this.list.append(
          h(
            "li",
            { testid: "work-item", "data-id": w.id },
            h("span", { className: "work-title" }, w.title),
            h(
              "span",
              { className: "work-meta muted" },
              [w.year, w.venue].filter((x) => x !== null && x !== "").join(" · "),
              " ",
              workLinks(w),
            ),
          ),
        );
      }
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

/** The whole profile page for one researcher. */
export async function renderProfile(main: HTMLElement, id: string, nav: Nav, signal: AbortSignal): Promise<void> {
  clear(main);
  const quick = h("div", { className: "quick-slot", testid: "quick-read-slot" }, h("p", { className: "muted" }, "Loading the profile…"));
  const panel = new GraphPanel(id, nav, signal);
  const works = new WorksList(id, signal);
  main.append(h("div", { className: "profile", testid: "profile" }, quick, h("div", { className: "profile-main" }, panel.el, works.el)));
  document.title = "Research KG";
  const quickLoad = api.quickRead(id, signal).then(
    (q) => {
      if (signal.aborted) return;
      clear(quick);
      quick.append(renderQuickRead(q, nav));
      document.title = `${q.name} · Research KG`;
    },
    (e: unknown) => {
      if (signal.aborted) return;
      clear(quick);
      const notFound = e instanceof ApiError && e.notFound;
      quick.append(
        h(
          "section",
          { className: "card state error", testid: "profile-error", role: "alert" },
          h("strong", {}, notFound ? "No researcher with this id." : "Could not load the profile."),
          h("span", {}, notFound ? id : errorText(e)),
        ),
      );
    },
  );
  await Promise.all([quickLoad, panel.load(), works.next()]);
}
