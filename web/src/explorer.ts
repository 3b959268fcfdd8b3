// The full explorer: the same graph full-page; a click shows a node's details and expands its next ring through
// /graph/expand (excluding what is already drawn), "+N more" stubs fetch what the budget left out, type filters,
// focus mode, zoom controls, a suggestions layer, PNG export, and its whole state in the URL (state.ts) so a link
// or browser Back brings back the same graph.

import * as api from "./api";
import { ApiError } from "./api";
import { append, clear, fmtNumber, h, humanise, legend, swatch } from "./dom";
import { download, slug } from "./download";
import { GraphView, TYPE_LOOK } from "./graph";
import { workLinks } from "./links";
import type { Nav } from "./profile";
import { loadSlice } from "./profile";
import { SearchBox } from "./search";
import type { ExplorerState } from "./state";
import { explorerUrl } from "./state";
import { exposeView } from "./testhook";
import type { GraphNode, GraphSlice, NodeType, SearchHit } from "./types";
import { NODE_TYPES } from "./types";
import { citedText, plural, tieText } from "./words";

// Past this many characters of ids the query string gets too long for some servers: exclude only the node's
// known neighbours then (the API may hand back a few already-drawn nodes, which merge harmlessly).
const EXCLUDE_CHAR_BUDGET = 12000;

const LEVEL_WORDS: Record<string, string> = {
  domain: "domain",
  field: "field",
  subfield: "subfield",
  topic: "topic",
  category: "arXiv category",
};

function errorText(e: unknown): string {
  return e instanceof ApiError ? e.describe() : `Something went wrong: ${String(e)}`;
}

function text(v: unknown): string | null {
  if (typeof v === "string" && v.trim()) return v;
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  return null;
}

function byType(nodes: GraphNode[]): string {
  const counts = new Map<NodeType, number>();
  for (const n of nodes) counts.set(n.type, (counts.get(n.type) ?? 0) + 1);
  const words: Record<NodeType, [string, string]> = {
    researcher: ["person", "people"],
    work: ["work", "works"],
    topic: ["topic", "topics"],
    institution: ["institution", "institutions"],
  };
  return NODE_TYPES.filter((t) => counts.get(t))
    .map((t) => plural(counts.get(t) as number, ...words[t]))
    .join(", ");
}

export class Explorer {
  readonly el: HTMLElement;
  private view: GraphView | null = null;
  private canvas: HTMLElement;
  private details: HTMLElement;
  private status: HTMLElement;
  private filters: HTMLElement;
  private legendSlot: HTMLElement;
  private banner: HTMLElement;
  private toolbar: HTMLElement;
  private search: SearchBox;
  private busy: Promise<void> = Promise.resolve();
  private selected: string | null = null;
  private rootLabel = "";
  private state: ExplorerState;
  /** While the URL's expansions are replayed, the URL already says everything. */
  private replaying = false;

  constructor(
    initial: ExplorerState,
    private readonly nav: Nav,
    private readonly signal: AbortSignal,
  ) {
    this.state = { ...initial, expansions: [...initial.expansions] };
    const root = initial.root;
    this.canvas = h("div", {
      className: "explorer-canvas",
      testid: "explorer-canvas",
      role: "img",
      "aria-label": "The graph; the details pane lists the selected node's connections as buttons.",
    });
    this.details = h("aside", { className: "explorer-details", testid: "node-details", "aria-live": "polite" });
    this.status = h("p", { className: "explorer-status", testid: "explorer-status", role: "status" });
    this.filters = h("fieldset", { className: "filters", testid: "explorer-filters" });
    this.legendSlot = h("div", { className: "legend-slot" }, legend());
    this.banner = h("div", { className: "banner", testid: "explorer-banner", hidden: true });
    this.toolbar = h("div", { className: "graph-toolbar", testid: "graph-toolbar", role: "toolbar", "aria-label": "Graph controls" });
    this.search = new SearchBox("explorer-search", "Search researchers, works, topics…", (hit) => this.pick(hit), nav);
    const back = this.backTarget();
    this.el = h(
      "div",
      { className: "explorer", testid: "explorer", "data-state": "loading", "data-root": root },
      h(
        "header",
        { className: "explorer-head" },
        h(
          "a",
          {
            className: "button",
            testid: "explorer-back",
            href: back.href,
            onclick: (ev: Event) => {
              ev.preventDefault();
              // Back to wherever the person came from in this app; a shared link opened cold goes to the parent.
              if ((history.state as { depth?: number } | null)?.depth) history.back();
              else nav.go(back.href);
            },
          },
          back.text,
        ),
        h("h1", { className: "explorer-title", testid: "explorer-title" }, "Explorer"),
        this.search.el,
      ),
      this.banner,
      h(
        "div",
        { className: "explorer-body" },
        h(
          "details",
          { className: "explorer-side", open: true, testid: "explorer-side" },
          h("summary", {}, "Filters and legend"),
          this.filters,
          this.legendSlot,
          this.status,
          h("p", { className: "muted hint" }, "Click a node to see it and draw its next ring. Drag to pan, scroll or pinch to zoom."),
        ),
        h("div", { className: "explorer-stage" }, this.toolbar, this.canvas),
        this.details,
      ),
    );
    // a phone starts with the side panel folded, the graph first
    if (window.matchMedia("(max-width: 40rem)").matches) (this.el.querySelector(".explorer-side") as HTMLDetailsElement).open = false;
  }

  private backTarget(): { href: string; text: string } {
    const { root, rootType } = this.state;
    if (rootType === "researcher") return { href: this.nav.profileUrl(root), text: "← Profile" };
    if (rootType === "work") return { href: this.nav.workUrl(root), text: "← Work" };
    return { href: "/", text: "← Home" };
  }

  private setState(s: "loading" | "ready" | "expanding" | "error" | "empty"): void {
    this.el.dataset.state = s;
  }

  private showBanner(msg: string | null, tone: "error" | "info" = "error"): void {
    this.banner.hidden = msg === null;
    this.banner.className = `banner ${tone}`;
    this.banner.textContent = msg ?? "";
    this.banner.dataset.testid = tone === "error" ? "explorer-error" : "explorer-banner";
  }

  /** The URL of the current state, without a new history entry (Back leaves the explorer, then returns to this). */
  private saveState(): void {
    if (this.replaying || this.signal.aborted) return;
    const view = this.view;
    if (view) {
      this.state.hide = view.hiddenTypeList();
      this.state.layers = view.suggestionsVisible() ? ["suggestions"] : [];
    }
    this.state.focus = this.selected && this.selected !== this.state.root ? this.selected : null;
    const url = explorerUrl(this.state);
    if (url !== location.pathname + location.search) history.replaceState(history.state, "", url);
  }

  /** Draw the starting slice, replay the URL's expansions, layers and filters, then select its focus. */
  async start(): Promise<void> {
    const { root, rootType } = this.state;
    this.setState("loading");
    clear(this.canvas);
    this.canvas.append(
      h(
        "div",
        { className: "state loading", testid: "graph-loading" },
        h("span", { className: "spinner", "aria-hidden": "true" }),
        "Building this graph slice…",
      ),
    );
    let slice: GraphSlice;
    try {
      slice = rootType === "researcher" ? await loadSlice(root) : await api.expand(root, [], this.signal);
    } catch (e) {
      if (this.signal.aborted) return;
      this.setState("error");
      clear(this.canvas);
      const notFound = e instanceof ApiError && e.notFound;
      this.canvas.append(
        h(
          "div",
          { className: "state error", testid: "graph-error", role: "alert" },
          h("strong", {}, notFound ? "Nothing in the graph has this id." : "Could not build this graph slice."),
          h("span", { testid: "graph-error-message" }, notFound ? root : errorText(e)),
          notFound
            ? h("a", { className: "button", href: "/", testid: "graph-home" }, "Search the graph")
            : h("button", { className: "button", testid: "graph-retry", onclick: () => void this.start() }, "Try again"),
        ),
      );
      return;
    }
    if (this.signal.aborted) return; // the person left while the slice was on its way
    clear(this.canvas);
    this.view?.destroy();
    const view = new GraphView(this.canvas, {
      moreFor: "explored",
      interactive: true,
      signal: this.signal,
      onNodeTap: (n) => void this.activate(n.id, false),
      onMoreTap: (n) => void this.activate(n.id, true),
    });
    this.view = view;
    exposeView("explorer", view);
    view.setSlice(slice, root);
    const rootNode = view.node(root);
    this.rootLabel = rootNode?.label ?? root;
    const title = this.el.querySelector('[data-testid="explorer-title"]');
    if (title) title.textContent = `Explorer · ${this.rootLabel}`;
    document.title = `${this.rootLabel} · Explorer · Research KG`;
    this.renderToolbar();
    this.setState(slice.nodes.length > 1 ? "ready" : "empty");
    if (slice.nodes.length <= 1) this.showBanner("No connections in the graph yet for this node.", "info");

    // Replay what the URL says was done, in the same order: each expansion excludes what the previous drew, so
    // the graph comes back as it was.
    this.replaying = true;
    try {
      for (const x of this.state.expansions) {
        const node = view.node(x) ?? this.stubNode(x);
        await this.expandNode(node, false);
        if (this.signal.aborted) return;
      }
      for (const t of this.state.hide) view.setTypeVisible(t, false);
      if (this.state.layers.includes("suggestions")) await this.setSuggestions(true);
    } finally {
      this.replaying = false;
    }
    this.renderFilters();
    this.renderStatus();
    this.renderLegend();
    this.renderToolbar();
    const focus = this.state.focus;
    if (focus && focus !== root && view.has(focus)) {
      view.select(focus, true);
      this.showDetails(focus);
      // a focus given by a link that is not expanded yet (the panel's click) is expanded, as a click would
      if (!view.isExpanded(focus) && !this.state.expansions.length) await this.activate(focus, false);
    } else this.showDetails(root);
    this.saveState();
  }

  private stubNode(id: string): GraphNode {
    return { id, type: api.nodeTypeOf(null, id), label: id, degree: null, hop: null, hiddenNeighbours: 0, fields: {} };
  }

  // ---- selection and expansion ---------------------------------------------------------------------------

  /** Select a node, show it, and expand its ring the first time (or again for "+N more"). */
  async activate(id: string, more: boolean): Promise<void> {
    const view = this.view;
    if (!view) return;
    view.select(id, false);
    this.showDetails(id);
    this.saveState();
    const node = view.node(id);
    if (!node) return;
    const wants = more
      ? node.hiddenNeighbours > 0
      : !view.isExpanded(id) && !view.isSuggestedOnly(id) && (id !== this.state.root || node.hiddenNeighbours > 0);
    if (wants) await this.expandNode(node, true);
  }

  private exclusionFor(node: GraphNode): string[] {
    const view = this.view;
    if (!view) return [];
    const all = view.allIds().filter((x) => x !== node.id && !view.isSuggestedOnly(x));
    if (all.length <= api.EXCLUDE_LIMIT && all.join("&exclude=").length <= EXCLUDE_CHAR_BUDGET) return all.sort();
    return view
      .edgesOf(node.id)
      .map((x) => x.other.id)
      .filter((x) => !view.isSuggestedOnly(x))
      .sort()
      .slice(0, api.EXCLUDE_LIMIT);
  }

  private expandNode(node: GraphNode, record: boolean): Promise<void> {
    // One expansion at a time, in click order: each one excludes what the previous ones drew.
    this.busy = this.busy.then(async () => {
      const view = this.view;
      if (!view || this.signal.aborted) return;
      this.setState("expanding");
      this.status.textContent = `Drawing the ring around ${node.label}…`;
      this.showBanner(null);
      try {
        const ring = await api.expand(node.id, this.exclusionFor(node), this.signal);
        if (this.signal.aborted) return;
        const added = view.mergeExpansion(ring, node.id);
        if (record) this.state.expansions.push(node.id);
        const now = view.node(node.id);
        const left = now?.hiddenNeighbours ?? 0;
        const addedNodes = added.map((id) => view.node(id)).filter((n): n is GraphNode => n !== undefined && n.id !== node.id);
        const label = now?.label ?? node.label;
        this.renderFilters();
        this.renderLegend();
        this.renderStatus(
          addedNodes.length
            ? `Added ${byType(addedNodes)} around ${label}` + (left ? ` · ${plural(left, "connection", "connections")} still not drawn` : "")
            : `Nothing new around ${label}` + (left ? ` · ${plural(left, "connection", "connections")} still not drawn` : ""),
        );
        this.el.dataset.lastAdded = String(addedNodes.length);
        if (this.selected === node.id) this.showDetails(node.id);
        this.setState("ready");
        this.saveState();
      } catch (e) {
        if (this.signal.aborted) return;
        this.setState("ready");
        this.showBanner(`Could not expand ${node.label}: ${errorText(e)}`);
        this.renderStatus();
      }
    });
    return this.busy;
  }

  // ---- the toolbar ---------------------------------------------------------------------------------------------

  private renderToolbar(): void {
    const view = this.view;
    clear(this.toolbar);
    if (!view) return;
    const btn = (testid: string, label: string, title: string, act: () => void, pressed: boolean | null = null): HTMLButtonElement =>
      h(
        "button",
        {
          className: `tool${pressed ? " on" : ""}`,
          testid,
          title,
          "aria-label": title,
          "aria-pressed": pressed === null ? null : String(pressed),
          onclick: act,
        },
        label,
      );
    append(this.toolbar, [
      btn("zoom-out", "−", "Zoom out", () => view.zoomBy(1 / 1.3)),
      btn("zoom-in", "+", "Zoom in", () => view.zoomBy(1.3)),
      btn("zoom-fit", "Fit", "Fit the whole graph in view", () => view.fit()),
      btn("graph-reset", "Reset", "Back to the starting graph (drops every expansion)", () => void this.reset()),
      btn(
        "focus-toggle",
        "Focus",
        "Focus mode: fade everything but the selected node's ties",
        () => {
          view.setFocusMode(!view.focusModeOn());
          this.renderToolbar();
        },
        view.focusModeOn(),
      ),
      this.state.rootType === "researcher"
        ? btn(
            "layer-suggestions",
            "Suggestions",
            "Show the people suggested as collaborators (dashed lines)",
            () => void this.setSuggestions(!view.suggestionsVisible()),
            view.suggestionsVisible(),
          )
        : null,
      btn("export-png", "PNG", "Download the drawing as a PNG image", () =>
        download(`${slug(this.rootLabel)}-graph.png`, view.png()),
      ),
    ]);
  }

  /** Back to the starting slice: a fresh explorer of the same root, nothing expanded. */
  private async reset(): Promise<void> {
    this.state = { ...this.state, expansions: [], focus: null, layers: [], hide: [] };
    const url = explorerUrl(this.state);
    history.replaceState(history.state, "", url);
    this.selected = null;
    clear(this.details);
    await this.start();
  }

  private async setSuggestions(on: boolean): Promise<void> {
    const view = this.view;
    if (!view || this.state.rootType !== "researcher") return;
    if (on && !view.hasSuggestions()) {
      try {
        const list = await api.suggestions(this.state.root, 10, this.signal);
        if (this.signal.aborted) return;
        if (!list.length) {
          this.showBanner("No collaborator suggestions for this researcher yet.", "info");
          return;
        }
        view.addSuggestions(list);
      } catch (e) {
        if (this.signal.aborted) return;
        this.showBanner(`Could not load the suggestions: ${errorText(e)}`);
        return;
      }
    } else view.setSuggestionsVisible(on);
    this.renderToolbar();
    this.renderLegend();
    this.renderFilters();
    this.renderStatus();
    this.saveState();
  }

  // ---- details -------------------------------------------------------------------------------------------------

  private showDetails(id: string): void {
    const view = this.view;
    const node = view?.node(id);
    this.selected = id;
    clear(this.details);
    if (!view || !node) return;
    this.details.dataset.id = id;
    this.details.dataset.type = node.type;
    const neighbours = view.edgesOf(id);
    const f = node.fields;
    const facts: (string | null)[] = [];
    if (node.type === "researcher") facts.push(text(f.headline));
    if (node.type === "work") {
      facts.push([text(f.year), text(f.venue)].filter(Boolean).join(" · ") || null);
      facts.push(citedText(typeof f.cited_by_count === "number" ? f.cited_by_count : null)?.replace(/^c/, "C") ?? null);
    }
    if (node.type === "topic") facts.push(f.level ? `A ${LEVEL_WORDS[String(f.level)] ?? humanise(String(f.level))}${f.scheme === "openalex" ? " of OpenAlex" : ""}` : null);
    if (node.type === "institution") facts.push(text(f.country_code));
    const hidden = node.hiddenNeighbours;
    const expandBtn =
      hidden > 0
        ? h(
            "button",
            { className: "button", testid: "details-expand", onclick: () => void this.activate(id, true) },
            `Draw more (up to ${api.EXPAND_BUDGET})`,
          )
        : null;
    const info = h("div", { className: "details-extra", testid: "details-extra" });
    const drawn = neighbours.length;
    append(this.details, [
      h("p", { className: "details-type", testid: "details-type" }, swatch(node.type), " ", TYPE_LOOK[node.type].title, id === this.state.root ? " · centre" : "", view.isSuggestedOnly(id) ? " · suggested" : ""),
      h("h2", { testid: "details-title" }, node.label),
      facts.filter(Boolean).map((x) => h("p", { className: "details-fact" }, x as string)),
      node.type === "work" ? h("p", { className: "links" }, workLinks({ doi: text(f.doi), arxivId: text(f.arxiv_id), pdfUrl: null }, "details")) : null,
      h(
        "p",
        { className: "details-counts", testid: "details-counts" },
        node.degree !== null ? `${plural(node.degree, "connection", "connections")} in the graph · ${fmtNumber(drawn)} drawn · ` : `${fmtNumber(drawn)} drawn · `,
        h("span", { testid: "details-hidden" }, fmtNumber(hidden)),
        " not drawn yet",
      ),
      h(
        "div",
        { className: "details-actions" },
        node.type === "researcher" ? this.navButton("details-profile", "Open profile", this.nav.profileUrl(id), true) : null,
        node.type === "work" ? this.navButton("details-work", "Open work page", this.nav.workUrl(id), true) : null,
        expandBtn,
      ),
      info,
      h("h3", {}, `Drawn connections (${drawn})`),
      h(
        "ul",
        { className: "neighbours", testid: "details-neighbours" },
        neighbours.map(({ edge, other }) =>
          h(
            "li",
            {},
            h(
              "button",
              { className: "linkish", "data-id": other.id, onclick: () => void this.jumpTo(other.id) },
              swatch(other.type),
              " ",
              other.label,
              h("span", { className: "muted" }, ` · ${tieText(edge, id)}`),
            ),
          ),
        ),
      ),
      h("details", { className: "ids", testid: "details-ids" }, h("summary", {}, "Id"), h("p", { className: "mono", testid: "details-id" }, id)),
    ]);
    void this.loadExtra(node, info);
  }

  private navButton(testid: string, label: string, href: string, primary: boolean): HTMLElement {
    return h(
      "a",
      {
        className: `button${primary ? " primary" : ""}`,
        testid,
        href,
        onclick: (ev: Event) => {
          ev.preventDefault();
          this.nav.go(href);
        },
      },
      label,
    );
  }

  /** The node's own record (abstract, keywords, counts) from its detail endpoint; quiet when there is none. */
  private async loadExtra(node: GraphNode, into: HTMLElement): Promise<void> {
    // A researcher's record is the quick read, already summed up by the fields and the profile link.
    if (node.type === "researcher") return;
    try {
      const rec = await api.detail(node.type, node.id, this.signal);
      if (this.signal.aborted || this.selected !== node.id) return;
      const abstract = typeof rec.abstract === "string" ? rec.abstract : null;
      if (abstract) {
        into.append(h("p", { className: "abstract" }, abstract.length > 600 ? `${abstract.slice(0, 599)}…` : abstract));
      }
      const keywords = Array.isArray(rec.keywords) ? rec.keywords.filter((k): k is string => typeof k === "string") : [];
      if (keywords.length) into.append(h("p", { className: "muted" }, `Keywords: ${keywords.slice(0, 10).join(", ")}`));
      const counts: string[] = [];
      if (typeof rec.works === "number") counts.push(`${plural(rec.works, "work", "works")} in the graph`);
      if (typeof rec.researchers === "number") counts.push(plural(rec.researchers, "researcher", "researchers"));
      if (counts.length) into.append(h("p", { className: "muted" }, counts.join(" · ")));
    } catch {
      // The drawn fields are enough; a missing detail record is not worth an error here.
    }
  }

  private async jumpTo(id: string): Promise<void> {
    this.view?.select(id, true);
    await this.activate(id, false);
  }

  // ---- filters, legend and status ---------------------------------------------------------------------------

  private renderFilters(): void {
    const view = this.view;
    if (!view) return;
    const counts = view.countByType();
    clear(this.filters);
    this.filters.append(h("legend", {}, "Show"));
    for (const t of NODE_TYPES) {
      const box = h("input", { type: "checkbox", testid: `filter-${t}`, "data-type": t });
      box.checked = view.typeVisible(t);
      box.addEventListener("change", () => {
        view.setTypeVisible(t, box.checked);
        this.renderStatus();
        this.renderLegend();
        this.saveState();
      });
      this.filters.append(h("label", { className: "filter" }, box, swatch(t), ` ${TYPE_LOOK[t].title}s `, h("span", { className: "muted" }, `(${counts[t]})`)));
    }
  }

  private renderLegend(): void {
    const view = this.view;
    if (!view) return;
    clear(this.legendSlot);
    this.legendSlot.append(legend({ years: view.yearRange(), citations: view.hasCitations(), suggestions: view.suggestionsVisible() }));
  }

  private renderStatus(note?: string): void {
    const view = this.view;
    if (!view) return;
    const visible = view.visibleNodeIds().length;
    const total = view.allIds().length;
    this.el.dataset.visibleNodes = String(visible);
    this.el.dataset.totalNodes = String(total);
    this.status.textContent = `Showing ${visible} of ${total} nodes · ${view.visibleEdgeCount()} ties` + (note ? ` · ${note}` : "");
  }

  /** Jump to a search hit: select it when drawn, otherwise draw it with its ring first. */
  async pick(hit: SearchHit): Promise<void> {
    const view = this.view;
    if (!view) return;
    if (!view.has(hit.id) || view.isSuggestedOnly(hit.id)) {
      const stub: GraphNode = { id: hit.id, type: hit.type, label: hit.label, degree: null, hop: null, hiddenNeighbours: 0, fields: {} };
      await this.expandNode(stub, true);
      if (this.signal.aborted) return;
    }
    if (view.has(hit.id)) {
      if (!view.typeVisible(hit.type)) {
        view.setTypeVisible(hit.type, true);
        this.renderFilters();
        this.renderStatus();
      }
      view.select(hit.id, true);
      this.showDetails(hit.id);
      this.el.dataset.focus = hit.id;
      this.saveState();
    }
  }
}

export async function renderExplorer(main: HTMLElement, state: ExplorerState, nav: Nav, signal: AbortSignal): Promise<void> {
  clear(main);
  const ex = new Explorer(state, nav, signal);
  main.append(ex.el);
  await ex.start();
}
