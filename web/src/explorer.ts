// The full explorer: the same graph full-page; a click shows a node's details and expands its next ring through
// /graph/expand (excluding what is already drawn), "+N more" stubs fetch what the budget left out, type filters,
// and a search box that jumps to any researcher, work or topic.

import * as api from "./api";
import { ApiError } from "./api";
import { clear, fmtNumber, h, humanise, legend, swatch } from "./dom";
import { GraphView, TYPE_LOOK, weightText } from "./graph";
import type { Nav } from "./profile";
import { loadSlice } from "./profile";
import { SearchBox } from "./search";
import { exposeView } from "./testhook";
import type { GraphNode, GraphSlice, NodeType, SearchHit } from "./types";
import { NODE_TYPES } from "./types";

// Past this many characters of ids the query string gets too long for some servers: exclude only the node's
// known neighbours then (the API may hand back a few already-drawn nodes, which merge harmlessly).
const EXCLUDE_CHAR_BUDGET = 12000;

const FIELD_WORDS: Record<string, string> = {
  year: "Year",
  venue: "Venue",
  level: "Level",
  scheme: "Scheme",
  country_code: "Country",
  headline: "Headline",
  affiliation_status: "Affiliation",
  trust_label: "Trust",
  author_count: "Authors",
  works: "Works",
  type: "Kind",
  trust_score: "Trust score",
  verification_level: "Verification",
};

function errorText(e: unknown): string {
  return e instanceof ApiError ? e.describe() : `Something went wrong: ${String(e)}`;
}

function fieldText(v: unknown): string {
  if (Array.isArray(v)) return v.map(String).join(", ");
  // Years and ids read wrong with thousands separators; a score keeps two decimals.
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : v.toFixed(2);
  if (typeof v === "boolean") return v ? "yes" : "no";
  return String(v);
}

export class Explorer {
  readonly el: HTMLElement;
  private view: GraphView | null = null;
  private canvas: HTMLElement;
  private details: HTMLElement;
  private status: HTMLElement;
  private filters: HTMLElement;
  private banner: HTMLElement;
  private search: SearchBox;
  private busy: Promise<void> = Promise.resolve();
  private selected: string | null = null;
  private rootLabel = "";

  constructor(
    private readonly root: string,
    private readonly rootType: NodeType,
    private readonly nav: Nav,
    private readonly signal: AbortSignal,
  ) {
    this.canvas = h("div", {
      className: "explorer-canvas",
      testid: "explorer-canvas",
      role: "img",
      "aria-label": "The graph; the details pane beside it lists the selected node's connections as buttons.",
    });
    this.details = h("aside", { className: "explorer-details", testid: "node-details", "aria-live": "polite" });
    this.status = h("p", { className: "explorer-status", testid: "explorer-status", role: "status" });
    this.filters = h("fieldset", { className: "filters", testid: "explorer-filters" });
    this.banner = h("div", { className: "banner", testid: "explorer-banner", hidden: true });
    this.search = new SearchBox("explorer-search", "Search researchers, works, topics…", (hit) => this.pick(hit));
    const backText = rootType === "researcher" ? "← Back to profile" : "← Back";
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
            href: rootType === "researcher" ? nav.profileUrl(root) : "/",
            onclick: (ev: Event) => {
              ev.preventDefault();
              nav.go(rootType === "researcher" ? nav.profileUrl(root) : "/");
            },
          },
          backText,
        ),
        h("h1", { className: "explorer-title", testid: "explorer-title" }, "Explorer"),
        this.search.el,
      ),
      this.banner,
      h(
        "div",
        { className: "explorer-body" },
        h(
          "div",
          { className: "explorer-side" },
          this.filters,
          legend(),
          this.status,
          h("p", { className: "muted hint" }, "Click a node to see it and expand its next ring. Drag to pan, scroll to zoom."),
        ),
        this.canvas,
        this.details,
      ),
    );
  }

  private setState(s: "loading" | "ready" | "expanding" | "error" | "empty"): void {
    this.el.dataset.state = s;
  }

  private showBanner(text: string | null, tone: "error" | "info" = "error"): void {
    this.banner.hidden = text === null;
    this.banner.className = `banner ${tone}`;
    this.banner.textContent = text ?? "";
    this.banner.dataset.testid = tone === "error" ? "explorer-error" : "explorer-banner";
  }

  /** Draw the starting slice, then select `focus` (expanding it) when given. */
  async start(focus: string | null): Promise<void> {
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
      slice = this.rootType === "researcher" ? await loadSlice(this.root) : await api.expand(this.root, [], this.signal);
    } catch (e) {
      if (this.signal.aborted) return;
      this.setState("error");
      clear(this.canvas);
      this.canvas.append(
        h(
          "div",
          { className: "state error", testid: "graph-error", role: "alert" },
          h("strong", {}, "Could not build this graph slice."),
          h("span", { testid: "graph-error-message" }, errorText(e)),
          h("button", { className: "button", testid: "graph-retry", onclick: () => void this.start(focus) }, "Try again"),
        ),
      );
      return;
    }
    if (this.signal.aborted) return; // the person left while the slice was on its way
    clear(this.canvas);
    this.view?.destroy();
    this.view = new GraphView(this.canvas, {
      moreFor: "explored",
      interactive: true,
      signal: this.signal,
      onNodeTap: (n) => void this.activate(n.id, false),
      onMoreTap: (n) => void this.activate(n.id, true),
    });
    exposeView("explorer", this.view);
    this.view.setSlice(slice, this.root);
    const rootNode = this.view.node(this.root);
    this.rootLabel = rootNode?.label ?? this.root;
    const title = this.el.querySelector('[data-testid="explorer-title"]');
    if (title) title.textContent = `Explorer · ${this.rootLabel}`;
    document.title = `${this.rootLabel} · Explorer · Research KG`;
    this.setState(slice.nodes.length > 1 ? "ready" : "empty");
    if (slice.nodes.length <= 1) {
      this.showBanner("No connections in the graph yet for this node.", "info");
    }
    this.renderFilters();
    this.renderStatus();
    if (focus && focus !== this.root && this.view.has(focus)) await this.activate(focus, false);
    else this.showDetails(this.root);
  }

  // ---- selection and expansion ---------------------------------------------------------------------------

  /** Select a node, show it, and expand its ring the first time (or again for "+N more"). */
  async activate(id: string, more: boolean): Promise<void> {
    const view = this.view;
    if (!view) return;
    view.select(id, false);
    this.showDetails(id);
    const node = view.node(id);
    if (!node) return;
    const wants = more ? node.hiddenNeighbours > 0 : !view.isExpanded(id) && (id !== this.root || node.hiddenNeighbours > 0);
    if (wants) await this.expandNode(node);
  }

  private exclusionFor(node: GraphNode): string[] {
    const view = this.view;
    if (!view) return [];
    const all = view.allIds().filter((x) => x !== node.id);
    if (all.length <= api.EXCLUDE_LIMIT && all.join("&exclude=").length <= EXCLUDE_CHAR_BUDGET) return all.sort();
    return view
      .edgesOf(node.id)
      .map((x) => x.other.id)
      .sort()
      .slice(0, api.EXCLUDE_LIMIT);
  }

  private expandNode(node: GraphNode, extra: GraphNode | null = null): Promise<void> {
    // One expansion at a time, in click order: each one excludes what the previous ones drew.
    this.busy = this.busy.then(async () => {
      const view = this.view;
      if (!view) return;
      this.setState("expanding");
      this.status.textContent = `Expanding ${node.label}…`;
      this.showBanner(null);
      try {
        const ring = await api.expand(node.id, this.exclusionFor(node), this.signal);
        if (this.signal.aborted) return;
        const withSelf = extra && !ring.nodes.some((n) => n.id === extra.id) ? { ...ring, nodes: [extra, ...ring.nodes] } : ring;
        const added = view.mergeExpansion(withSelf, node.id);
        this.renderFilters();
        this.renderStatus(`+${added.length} around ${node.label}`);
        this.el.dataset.lastAdded = String(added.length);
        if (this.selected === node.id) this.showDetails(node.id);
        this.setState("ready");
      } catch (e) {
        if (this.signal.aborted) return;
        this.setState("ready");
        this.showBanner(`Could not expand ${node.label}: ${errorText(e)}`);
        this.renderStatus();
      }
    });
    return this.busy;
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
    const fields = Object.entries(node.fields);
    const neighbours = view.edgesOf(id);
    const expandBtn =
      node.hiddenNeighbours > 0
        ? h(
            "button",
            { className: "button", testid: "details-expand", onclick: () => void this.activate(id, true) },
            `Show ${fmtNumber(node.hiddenNeighbours)} more`,
          )
        : null;
    const info = h("div", { className: "details-extra", testid: "details-extra" });
    this.details.append(
      h("p", { className: "details-type", testid: "details-type" }, swatch(node.type), " ", TYPE_LOOK[node.type].title, id === this.root ? " · centre" : ""),
      h("h2", { testid: "details-title" }, node.label),
      h(
        "dl",
        { className: "fields" },
        h("dt", {}, "Id"),
        h("dd", { className: "mono", testid: "details-id" }, id),
        node.degree !== null ? [h("dt", {}, "Connections"), h("dd", {}, fmtNumber(node.degree))] : null,
        h("dt", {}, "Not shown"),
        h("dd", { testid: "details-hidden" }, fmtNumber(node.hiddenNeighbours)),
        fields.map(([k, v]) => [h("dt", {}, FIELD_WORDS[k] ?? humanise(k)), h("dd", {}, fieldText(v))]),
      ),
      h(
        "div",
        { className: "details-actions" },
        node.type === "researcher"
          ? h(
              "a",
              {
                className: "button primary",
                testid: "details-profile",
                href: this.nav.profileUrl(id),
                onclick: (ev: Event) => {
                  ev.preventDefault();
                  this.nav.go(this.nav.profileUrl(id));
                },
              },
              "Open profile",
            )
          : null,
        expandBtn,
      ),
      info,
      h("h3", {}, `Drawn connections (${neighbours.length})`),
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
              h("span", { className: "muted" }, ` · ${weightText(edge)}`),
            ),
          ),
        ),
      ),
    );
    void this.loadExtra(node, info);
  }

  /** The node's own record (abstract, venue, …) from its detail endpoint; quiet when there is none. */
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
      for (const k of ["works", "researchers"]) {
        if (typeof rec[k] === "number") counts.push(`${fmtNumber(rec[k] as number)} ${k} in the graph`);
      }
      if (counts.length) into.append(h("p", { className: "muted" }, counts.join(" · ")));
    } catch {
      // The drawn fields are enough; a missing detail record is not worth an error here.
    }
  }

  private async jumpTo(id: string): Promise<void> {
    this.view?.select(id, true);
    await this.activate(id, false);
  }

  // ---- filters and status -------------------------------------------------------------------------------------

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
      });
      this.filters.append(h("label", { className: "filter" }, box, swatch(t), ` ${TYPE_LOOK[t].title}s `, h("span", { className: "muted" }, `(${counts[t]})`)));
    }
  }

  private renderStatus(note?: string): void {
    const view = this.view;
    if (!view) return;
    const visible = view.visibleNodeIds().length;
    const total = view.allIds().length;
    const more = view.visibleMoreCount();
    this.el.dataset.visibleNodes = String(visible);
    this.el.dataset.totalNodes = String(total);
    this.status.textContent =
      `Showing ${visible} of ${total} nodes · ${view.visibleEdgeCount()} edges` +
      (more ? ` · ${more} "+N more" stubs` : "") +
      (note ? ` · ${note}` : "");
  }

  /** Jump to a search hit: select it when drawn, otherwise fetch its ring and draw it first. */
  async pick(hit: SearchHit): Promise<void> {
    const view = this.view;
    if (!view) return;
    if (!view.has(hit.id)) {
      const stub: GraphNode = {
        id: hit.id,
        type: hit.type,
        label: hit.label,
        degree: null,
        hop: null,
        hiddenNeighbours: 0,
        fields: {},
      };
      await this.expandNode(stub, stub);
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
    }
  }
}

export async function renderExplorer(
  main: HTMLElement,
  root: string,
  rootType: NodeType,
  focus: string | null,
  nav: Nav,
  signal: AbortSignal,
): Promise<void> {
  clear(main);
  const ex = new Explorer(root, rootType, nav, signal);
  main.append(ex.el);
  await ex.start(focus);
}
