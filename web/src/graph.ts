// The graph drawing shared by the profile's panel and the full explorer: Cytoscape.js with the column layout of
// layout.ts (every label shown, none overlapping, a drawn node never moves when a ring is added), node types told
// apart by shape and colour, works shaded by year and sized by citations, ties as wide as the papers they rest on,
// "+N more" stubs next to their node, focus mode, zoom controls and a suggestions layer.

import cytoscape from "cytoscape";
import type { Core, ElementDefinition, EventObject, NodeSingular, StylesheetJson } from "cytoscape";

import type { Footprint } from "./layout";
import { Layout } from "./layout";
import type { GraphEdge, GraphNode, GraphSlice, NodeType, Suggestion } from "./types";
import { NODE_TYPES } from "./types";
import { plural, tieText } from "./words";

export interface TypeLook {
  colour: string;
  border: string;
  shape: "ellipse" | "round-rectangle" | "diamond" | "hexagon";
  title: string;
}

// Colour and shape both differ, so the types stay apart for colour-blind readers and in greyscale print.
export const TYPE_LOOK: Record<NodeType, TypeLook> = {
  researcher: { colour: "#2f6fde", border: "#1d4ba3", shape: "ellipse", title: "Researcher" },
  work: { colour: "#e8833a", border: "#a9561a", shape: "round-rectangle", title: "Work" },
  topic: { colour: "#2e9e5b", border: "#1d6b3c", shape: "diamond", title: "Topic" },
  institution: { colour: "#8c52c8", border: "#5e3190", shape: "hexagon", title: "Institution" },
};

/** Works from the oldest to the newest drawn year, light to dark (the legend shows the same ramp). */
export const YEAR_RAMP = ["#fde4cf", "#f9b98a", "#ee8a45", "#c9621d", "#8f3d0b"];
const NO_YEAR = "#d9d4cf";

const EDGE_COLOUR: Record<string, string> = {
  COAUTHOR: "#2f6fde",
  AUTHORED: "#8a8f98",
  HAS_TOPIC: "#2e9e5b",
  WORKS_ON: "#2e9e5b",
  AFFILIATED_WITH: "#8c52c8",
  PART_OF: "#2e9e5b",
  CITES: "#e8833a",
  SUGGESTED: "#b4238f",
};

const MORE_PREFIX = "more::";
export const SUGGESTED = "SUGGESTED";
const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif";
const FONT_SIZE = 12;
const CENTRE_FONT_SIZE = 14;
const LABEL_PADDING = 2;
const MAX_SIZE = 24; // a ring node's body fits its 26 px row
const NARROW = 600; // px: a drawing this narrow (a phone) gets shorter labels and starts at a readable zoom
const READABLE_ZOOM = 0.8;

export interface GraphViewOptions {
  /**
   * Which nodes get a "+N more" stub: only the centre (the panel), or the centre and every node already expanded
   * (the explorer; a stub on every node of a real graph is mostly noise, the details pane says what each hides).
   */
  moreFor: "centre" | "explored";
  interactive: boolean;
  onNodeTap?: (node: GraphNode) => void;
  onMoreTap?: (node: GraphNode) => void;
  /** The page's lifetime: when it aborts (the person moved on), the drawing lets go of itself. */
  signal: AbortSignal;
}

function shorten(text: string, max: number): string {
  const t = text.replace(/\s+/g, " ").trim();
  return t.length <= max ? t : `${t.slice(0, max - 1).trimEnd()}…`;
}

function edgeKey(e: GraphEdge): string {
  // COAUTHOR is read undirected: one key per pair whatever the direction the API gives.
  const [a, b] = e.type === "COAUTHOR" && e.source > e.target ? [e.target, e.source] : [e.source, e.target];
  return `${a}|${e.type}|${b}`;
}

// How wide a tie may draw beyond 1 px, by what it rests on: a co-author tie's shared papers are the panel's story.
const MAX_EXTRA_WIDTH: Record<string, number> = { COAUTHOR: 6, WORKS_ON: 3 };

function stylesheet(): StylesheetJson {
  return [
    {
      selector: "node",
      style: {
        "background-color": "data(colour)",
        "border-color": "data(border)",
        "border-width": 1.5,
        shape: "data(shape)" as never,
        width: "data(size)",
        height: "data(size)",
        label: "data(short)",
        "font-family": FONT,
        "font-size": FONT_SIZE,
        color: "#1f2328",
        "text-wrap": "none",
        "text-background-color": "#ffffff",
        "text-background-opacity": 0.9,
        "text-background-padding": `${LABEL_PADDING}px`,
        "text-background-shape": "roundrectangle",
        // The centre and its ring are labelled at every zoom; deeper rings drop labels too small to read.
        "min-zoomed-font-size": "data(minFont)" as never,
        "text-valign": "center",
        "text-halign": "right",
        "text-margin-x": 6,
      },
    },
    { selector: "node.lbl-left", style: { "text-halign": "left", "text-margin-x": -6 } },
    {
      selector: "node.centre",
      style: {
        "border-width": 5,
        "border-color": "#f2b705",
        "font-size": CENTRE_FONT_SIZE,
        "font-weight": "bold",
        "z-index": 20,
        "text-valign": "bottom",
        "text-halign": "center",
        "text-margin-x": 0,
        "text-margin-y": 3,
      },
    },
    {
      selector: "node.more",
      style: {
        shape: "round-rectangle",
        "background-color": "#f3f4f6",
        "border-color": "#9aa1ab",
        "border-style": "dashed",
        "border-width": 1.5,
        width: "data(w)",
        height: 18,
        label: "data(short)",
        "font-size": 11,
        color: "#374151",
        "text-valign": "center",
        "text-halign": "center",
        "text-margin-x": 0,
        "text-margin-y": 0,
        "text-background-opacity": 0,
        "min-zoomed-font-size": 0,
      },
    },
    { selector: "node.filtered, edge.filtered", style: { display: "none" } },
    { selector: "node.hover, node:selected", style: { "z-index": 30, "overlay-opacity": 0 } },
    { selector: "node:selected", style: { "border-width": 4, "border-color": "#111827" } },
    { selector: "node.centre:selected", style: { "border-color": "#f2b705", "border-width": 6 } },
    { selector: "node.expanded", style: { "border-style": "double", "border-width": 4 } },
    { selector: "node.suggested", style: { "border-style": "dashed", "border-color": EDGE_COLOUR.SUGGESTED, "border-width": 2.5 } },
    {
      selector: "edge",
      style: {
        width: "data(width)",
        "line-color": "data(colour)",
        "curve-style": "straight",
        opacity: 0.55,
        label: "data(wlabel)",
        "font-size": 10,
        color: "#374151",
        "text-opacity": 0,
        "text-background-color": "#ffffff",
        "text-background-opacity": 0,
        "text-background-padding": "1px",
        "text-rotation": "autorotate",
        "min-zoomed-font-size": 6,
      },
    },
    // Ties between two outer nodes (a co-author's authorship, a work's topic) stay in the background, so the
    // centre's own ties read first; hovering or selecting a node brings its ties forward.
    { selector: "edge.cross", style: { opacity: 0.14 } },
    { selector: "edge.more-edge", style: { "line-style": "dashed", "line-color": "#b8bec7", width: 1, opacity: 0.8 } },
    { selector: "edge.suggested", style: { "line-style": "dashed", "line-dash-pattern": [6, 4], opacity: 0.8 } },
    {
      selector: "edge.hover",
      style: { opacity: 0.95, "text-opacity": 1, "text-background-opacity": 0.9, "z-index": 25 },
    },
    { selector: "edge.focus", style: { opacity: 0.9 } },
    { selector: "node.dim", style: { opacity: 0.15, "text-opacity": 0.15 } },
    { selector: "edge.dim", style: { opacity: 0.05 } },
  ];
}

/** The colour of a work of `year` among drawn works from `range[0]` to `range[1]`. */
export function yearColour(year: number | null, range: [number, number] | null): string {
  if (year === null || !range) return NO_YEAR;
  const [lo, hi] = range;
  const t = hi > lo ? (year - lo) / (hi - lo) : 1;
  return YEAR_RAMP[Math.min(YEAR_RAMP.length - 1, Math.max(0, Math.round(t * (YEAR_RAMP.length - 1))))];
}

function numField(n: GraphNode, key: string): number | null {
  const v = n.fields[key];
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

const TYPE_RANK: Record<NodeType, number> = { researcher: 0, work: 1, topic: 2, institution: 3 };

/** The drawing of one graph; the panel and the explorer each own one. */
export class GraphView {
  readonly cy: Core;
  private nodes = new Map<string, GraphNode>();
  private edges = new Map<string, GraphEdge>();
  private centre: string | null = null;
  private hiddenTypes = new Set<NodeType>();
  private expandedIds = new Set<string>();
  private layout = new Layout();
  private ring1 = new Set<string>();
  /** Nodes the suggestions layer drew that nothing else drew. */
  private suggestedOnly = new Set<string>();
  private suggestionsShown = false;
  private focusMode = false;
  private userMoved = false;
  private resizer: ResizeObserver;
  private measurer: CanvasRenderingContext2D | null;

  constructor(
    readonly container: HTMLElement,
    private readonly opts: GraphViewOptions,
  ) {
    this.cy = cytoscape({
      container,
      style: stylesheet(),
      minZoom: 0.1,
      maxZoom: 4,
      userZoomingEnabled: opts.interactive,
      userPanningEnabled: opts.interactive,
      boxSelectionEnabled: false,
      autoungrabify: true,
      selectionType: "single",
      textureOnViewport: false,
      pixelRatio: "auto",
      // We place every node ourselves (layout.ts). Cytoscape's default first layout (grid) measures the
      // container and fails on one that has no size, as when the page moved on before the slice arrived.
      layout: { name: "null" },
    });
    this.measurer = document.createElement("canvas").getContext("2d");
    this.cy.on("tap", "node", (ev: EventObject) => this.tapped(ev.target as NodeSingular));
    this.cy.on("mouseover", "node", (ev: EventObject) => this.hover(ev.target as NodeSingular, true));
    this.cy.on("mouseout", "node", (ev: EventObject) => this.hover(ev.target as NodeSingular, false));
    this.cy.on("mouseover", "edge", (ev: EventObject) => ev.target.addClass("hover"));
    this.cy.on("mouseout", "edge", (ev: EventObject) => ev.target.removeClass("hover"));
    this.cy.on("dragpan scrollzoom pinchzoom", () => {
      this.userMoved = true;
    });
    // The container can change size after the first draw (fonts, a banner, the window): keep the drawing fitted
    // until the person pans or zooms it themselves.
    this.resizer = new ResizeObserver(() => {
      if (!container.isConnected) {
        // The page moved on (another route replaced this view): let the drawing go.
        this.destroy();
        return;
      }
      if (container.clientWidth === 0 || container.clientHeight === 0) return;
      this.cy.resize();
      if (!this.userMoved) this.fit(false);
    });
    this.resizer.observe(container);
    opts.signal.addEventListener("abort", () => this.destroy(), { once: true });
  }

  destroy(): void {
    this.resizer.disconnect();
    if (!this.cy.destroyed()) {
      this.cy.stop(true, false);
      this.cy.destroy();
    }
  }

  // ---- the viewport --------------------------------------------------------------------------------------------

  /** Show everything drawn (not filtered), at most a little larger than life. */
  fit(animate = true): void {
    if (this.cy.destroyed()) return;
    const eles = this.cy.nodes().filter((n) => !n.hasClass("filtered"));
    if (!eles.length) return;
    this.userMoved = false;
    const padding = 24;
    if (!animate) {
      this.cy.fit(eles, padding);
      if (this.cy.zoom() > 1.25) {
        this.cy.zoom(1.25);
        this.cy.center(eles);
      } else if (this.opts.interactive && this.narrow() && this.cy.zoom() < READABLE_ZOOM && this.centre) {
        // On a phone the whole drawing would be too small to read: start readable, around the centre and the
        // start of its ring; "Fit" shows everything.
        const centre = this.cy.getElementById(this.centre);
        this.cy.zoom(READABLE_ZOOM);
        const p = centre.position();
        this.cy.pan({ x: this.cy.width() * 0.3 - p.x * READABLE_ZOOM, y: this.cy.height() / 2 - p.y * READABLE_ZOOM });
      }
      return;
    }
    this.cy.stop(true, false);
    this.cy.animate({ fit: { eles, padding }, duration: 300 });
  }

  zoomBy(factor: number): void {
    const cy = this.cy;
    const level = Math.min(cy.maxZoom(), Math.max(cy.minZoom(), cy.zoom() * factor));
    cy.stop(true, false);
    cy.animate({ zoom: { level, renderedPosition: { x: cy.width() / 2, y: cy.height() / 2 } }, duration: 200 });
    this.userMoved = true;
  }

  zoomLevel(): number {
    return this.cy.zoom();
  }

  /** Bring `ids` into view, zooming out only as much as they need. */
  private reveal(ids: string[]): void {
    const eles = this.cy.collection(ids.map((id) => this.cy.getElementById(id)).filter((e) => !e.empty()) as never);
    if (!eles.length) return;
    const bb = eles.renderedBoundingBox({ includeLabels: true });
    const w = this.cy.width();
    const h = this.cy.height();
    if (bb.x1 >= 0 && bb.y1 >= 0 && bb.x2 <= w && bb.y2 <= h) return;
    this.cy.stop(true, false);
    if (bb.w <= w - 48 && bb.h <= h - 48) this.cy.animate({ center: { eles }, duration: 300 });
    else this.cy.animate({ fit: { eles, padding: 24 }, duration: 300 });
  }

  // ---- data ----------------------------------------------------------------------------------------------------

  /** Replace everything with one slice centred on `centre`. */
  setSlice(slice: GraphSlice, centre: string): void {
    this.nodes.clear();
    this.edges.clear();
    this.expandedIds.clear();
    this.suggestedOnly.clear();
    this.ring1.clear();
    this.centre = centre;
    this.cy.elements().remove();
    this.absorb(slice, null);
    const centreNode = this.nodes.get(centre);
    const others = slice.nodes.filter((n) => n.id !== centre && this.nodes.has(n.id));
    const ring = this.ordered(others.filter((n) => (n.hop ?? 1) <= 1));
    for (const n of ring) this.ring1.add(n.id);
    const rect = this.container.getBoundingClientRect();
    const aspect = rect.width > 0 && rect.height > 0 ? rect.width / rect.height : 1.6;
    if (centreNode) this.layout.placeRing(this.footprint(centreNode), ring.map((n) => this.footprint(n)), aspect);
    // A deeper ring (a hops=2 slice) hangs off the first ring node it is tied to.
    const deeper = others.filter((n) => (n.hop ?? 1) > 1);
    const byParent = new Map<string, GraphNode[]>();
    for (const n of deeper) {
      const parent = ring.find((r) => this.tied(r.id, n.id))?.id ?? centre;
      byParent.set(parent, [...(byParent.get(parent) ?? []), n]);
    }
    for (const [parent, kids] of byParent) {
      this.layout.placeAround(parent, this.ordered(kids).map((n) => this.footprint(n)));
    }
    this.redraw();
    this.fit(false);
  }

  /**
   * Merge the ring an expand call returned around `around`; returns the ids that are new. Drawn nodes keep their
   * places: the new ones go in a column next to `around`.
   */
  mergeExpansion(slice: GraphSlice, around: string): string[] {
    this.releaseStubs();
    const wasDrawn = this.nodes.has(around);
    const added = this.absorb(slice, around);
    this.expandedIds.add(around);
    for (const id of added) this.suggestedOnly.delete(id);
    if (!wasDrawn && this.nodes.has(around)) {
      // a search hit not drawn yet: it comes first, tied to whatever drawn node it is tied to
      const anchor = [...this.nodes.keys()].find((x) => x !== around && !added.includes(x) && this.tied(x, around));
      this.layout.placeAround(anchor ?? this.centre ?? around, [this.footprint(this.nodes.get(around) as GraphNode)]);
    }
    const fresh = added.filter((id) => id !== around).map((id) => this.nodes.get(id) as GraphNode);
    this.layout.placeAround(around, this.ordered(fresh).map((n) => this.footprint(n)));
    this.redraw();
    this.reveal([around, ...added]);
    return added;
  }

  /** The suggestions layer: suggested people tied to the centre by dashed edges (drawn once, shown or hidden). */
  addSuggestions(list: Suggestion[]): void {
    const centre = this.centre;
    if (!centre) return;
    this.releaseStubs();
    const fresh: GraphNode[] = [];
    for (const s of list) {
      if (!this.nodes.has(s.id)) {
        const node: GraphNode = {
          id: s.id,
          type: "researcher",
          label: s.name,
          degree: null,
          hop: 1,
          hiddenNeighbours: 0,
          fields: { headline: s.headline, suggested: true },
        };
        this.nodes.set(s.id, node);
        this.suggestedOnly.add(s.id);
        fresh.push(node);
      }
      const e: GraphEdge = {
        source: centre,
        target: s.id,
        type: SUGGESTED,
        weight: null,
        works: null,
        firstYear: null,
        lastYear: null,
        position: null,
      };
      this.edges.set(edgeKey(e), e);
    }
    this.layout.placeAround(centre, fresh.map((n) => this.footprint(n)));
    this.suggestionsShown = true;
    this.redraw();
  }

  hasSuggestions(): boolean {
    return [...this.edges.values()].some((e) => e.type === SUGGESTED);
  }

  setSuggestionsVisible(on: boolean): void {
    this.suggestionsShown = on;
    this.redraw();
  }

  suggestionsVisible(): boolean {
    return this.suggestionsShown;
  }

  /** "+N more" stubs are placed last, after the nodes (redraw puts them back). */
  private releaseStubs(): void {
    for (const id of this.nodes.keys()) this.layout.release(MORE_PREFIX + id);
  }

  private tied(a: string, b: string): boolean {
    for (const e of this.edges.values()) {
      if ((e.source === a && e.target === b) || (e.source === b && e.target === a)) return true;
    }
    return false;
  }

  /**
   * The order a ring is drawn in: people first, then works, topics, institutions; within a type, the order the API
   * gave (close collaborators first, then by tie strength; works newest first; a work's authors in author order).
   */
  private ordered(list: GraphNode[]): GraphNode[] {
    const index = new Map(list.map((n, i) => [n.id, i]));
    return [...list].sort((a, b) => TYPE_RANK[a.type] - TYPE_RANK[b.type] || (index.get(a.id) ?? 0) - (index.get(b.id) ?? 0));
  }

  private absorb(slice: GraphSlice, around: string | null): string[] {
    const added: string[] = [];
    for (const n of slice.nodes) {
      const old = this.nodes.get(n.id);
      if (!old) {
        this.nodes.set(n.id, n);
        added.push(n.id);
      } else if (n.id === around || this.suggestedOnly.has(n.id)) {
        this.nodes.set(n.id, { ...old, ...n, fields: { ...old.fields, ...n.fields } });
        this.suggestedOnly.delete(n.id);
      }
    }
    for (const e of slice.edges) {
      if (this.nodes.has(e.source) && this.nodes.has(e.target)) this.edges.set(edgeKey(e), e);
    }
    // What is left out of a node = its degree (the API counts the panel's relationship types in the whole graph)
    // minus the edges drawn so far, which after an expansion can be more than any one response showed.
    const touching = new Map<string, number>();
    for (const e of this.edges.values()) {
      if (e.type === SUGGESTED) continue;
      touching.set(e.source, (touching.get(e.source) ?? 0) + 1);
      if (e.target !== e.source) touching.set(e.target, (touching.get(e.target) ?? 0) + 1);
    }
    for (const n of this.nodes.values()) {
      if (n.degree === null) continue;
      const left = Math.max(0, n.degree - (touching.get(n.id) ?? 0));
      if (left !== n.hiddenNeighbours) this.nodes.set(n.id, { ...n, hiddenNeighbours: Math.min(left, n.hiddenNeighbours) });
    }
    return added;
  }

  has(id: string): boolean {
    return this.nodes.has(id);
  }

  node(id: string): GraphNode | undefined {
    return this.nodes.get(id);
  }

  centreId(): string | null {
    return this.centre;
  }

  /** Every node drawn (the suggestions layer's own people only while the layer is on). */
  allIds(): string[] {
    return [...this.nodes.keys()].filter((id) => this.suggestionsShown || !this.suggestedOnly.has(id));
  }

  isExpanded(id: string): boolean {
    return this.expandedIds.has(id);
  }

  isSuggestedOnly(id: string): boolean {
    return this.suggestedOnly.has(id);
  }

  edgesOf(id: string): { edge: GraphEdge; other: GraphNode }[] {
    const out: { edge: GraphEdge; other: GraphNode }[] = [];
    for (const e of this.edges.values()) {
      if (e.type === SUGGESTED && !this.suggestionsShown) continue;
      const otherId = e.source === id ? e.target : e.target === id ? e.source : null;
      const other = otherId ? this.nodes.get(otherId) : undefined;
      if (other) out.push({ edge: e, other });
    }
    // People first, then works, topics, institutions; the most shared papers first within each.
    return out.sort(
      (a, b) =>
        NODE_TYPES.indexOf(a.other.type) - NODE_TYPES.indexOf(b.other.type) ||
        (b.edge.works ?? 0) - (a.edge.works ?? 0) ||
        (b.edge.weight ?? 0) - (a.edge.weight ?? 0) ||
        a.other.label.localeCompare(b.other.label) ||
        a.other.id.localeCompare(b.other.id),
    );
  }

  /** The oldest and newest year of the drawn works (what the year shading spans), null without any. */
  yearRange(): [number, number] | null {
    let lo = Infinity;
    let hi = -Infinity;
    for (const n of this.nodes.values()) {
      const y = n.type === "work" ? numField(n, "year") : null;
      if (y === null || (this.hiddenTypes.has("work") && n.id !== this.centre)) continue;
      lo = Math.min(lo, y);
      hi = Math.max(hi, y);
    }
    return Number.isFinite(lo) ? [lo, hi] : null;
  }

  /** Whether any drawn work has a citation count (what sizes the works). */
  hasCitations(): boolean {
    return [...this.nodes.values()].some((n) => n.type === "work" && numField(n, "cited_by_count") !== null);
  }

  // ---- filters, selection, focus -----------------------------------------------------------------------------

  setTypeVisible(type: NodeType, visible: boolean): void {
    if (visible) this.hiddenTypes.delete(type);
    else this.hiddenTypes.add(type);
    this.redraw();
  }

  typeVisible(type: NodeType): boolean {
    return !this.hiddenTypes.has(type);
  }

  hiddenTypeList(): NodeType[] {
    return NODE_TYPES.filter((t) => this.hiddenTypes.has(t));
  }

  visibleNodeIds(): string[] {
    return this.cy
      .nodes()
      .filter((n) => !n.hasClass("filtered") && !n.hasClass("more"))
      .map((n) => n.id());
  }

  visibleMoreCount(): number {
    return this.cy.nodes(".more").filter((n) => !n.hasClass("filtered")).length;
  }

  visibleEdgeCount(): number {
    return this.cy.edges().filter((e) => !e.hasClass("more-edge") && e.visible()).length;
  }

  countByType(): Record<NodeType, number> {
    const out = { researcher: 0, work: 0, topic: 0, institution: 0 } as Record<NodeType, number>;
    for (const id of this.allIds()) out[(this.nodes.get(id) as GraphNode).type] += 1;
    return out;
  }

  select(id: string, centreOn: boolean): void {
    this.cy.nodes().unselect();
    this.cy.edges().removeClass("focus");
    const el = this.cy.getElementById(id);
    if (el.empty()) return;
    el.select();
    el.connectedEdges().addClass("focus");
    this.applyFocus();
    if (centreOn) this.reveal([id]);
  }

  selectedId(): string | null {
    const sel = this.cy.nodes(":selected");
    return sel.length ? sel[0].id() : null;
  }

  /** Focus mode: everything but the selected node and its ties fades back. */
  setFocusMode(on: boolean): void {
    this.focusMode = on;
    this.applyFocus();
  }

  focusModeOn(): boolean {
    return this.focusMode;
  }

  private applyFocus(): void {
    const cy = this.cy;
    cy.elements().removeClass("dim");
    const sel = cy.nodes(":selected");
    if (!this.focusMode || !sel.length) return;
    const near = sel.closedNeighborhood();
    cy.elements().not(near).addClass("dim");
  }

  /** Nodes faded by focus mode. */
  dimmedIds(): string[] {
    return this.cy.nodes(".dim").map((n) => n.id());
  }

  /** Where a node is drawn, in page (client) coordinates — what a pointer would click. */
  clientPosition(id: string): { x: number; y: number } | null {
    const el = this.cy.getElementById(id);
    if (el.empty() || !el.visible()) return null;
    const p = el.renderedPosition();
    const r = this.container.getBoundingClientRect();
    return { x: r.left + p.x, y: r.top + p.y };
  }

  /** Where a node sits in the drawing itself (what stays put when the view pans, zooms or grows). */
  modelPosition(id: string): { x: number; y: number } | null {
    const el = this.cy.getElementById(id);
    if (el.empty()) return null;
    const p = el.position();
    return { x: p.x, y: p.y };
  }

  moreId(of: string): string {
    return MORE_PREFIX + of;
  }

  /** The drawn labels (not filtered) as boxes in canvas pixels: what a reader sees as text. */
  labelBoxes(): { id: string; x1: number; y1: number; x2: number; y2: number }[] {
    return this.cy
      .nodes()
      .filter((n) => !n.hasClass("filtered") && !n.hasClass("more") && n.visible())
      .map((n) => {
        const b = n.renderedBoundingBox({ includeNodes: false, includeEdges: false, includeLabels: true, includeOverlays: false });
        return { id: n.id(), x1: b.x1, y1: b.y1, x2: b.x2, y2: b.y2 };
      })
      .filter((b) => b.x2 > b.x1 && b.y2 > b.y1);
  }

  /** The visible drawing as a PNG (white background, twice the screen's pixels). */
  png(): Blob {
    return this.cy.png({ output: "blob", bg: "#ffffff", full: true, scale: 2, maxWidth: 8000, maxHeight: 8000 }) as unknown as Blob;
  }

  // ---- drawing -------------------------------------------------------------------------------------------------

  private labelText(n: GraphNode): string {
    // a phone-sized drawing gets shorter labels, so it can be drawn larger (the details pane has the full name)
    const narrow = this.narrow();
    if (n.id === this.centre) return shorten(n.label, narrow ? 32 : 60);
    return shorten(n.label, n.type === "work" ? (narrow ? 26 : 44) : narrow ? 24 : 40);
  }

  private narrow(): boolean {
    const w = this.container.clientWidth;
    return w > 0 && w < NARROW;
  }

  private textWidth(text: string, size: number, bold: boolean): number {
    const m = this.measurer;
    if (!m) return text.length * size * 0.62;
    m.font = `${bold ? "bold " : ""}${size}px ${FONT}`;
    return m.measureText(text).width;
  }

  private nodeSize(n: GraphNode): number {
    if (n.id === this.centre) return 40;
    if (n.type === "work") {
      const cited = numField(n, "cited_by_count");
      return cited === null ? 16 : Math.min(MAX_SIZE, 14 + 1.6 * Math.log2(1 + cited));
    }
    if (n.type === "researcher") return Math.min(MAX_SIZE, 18 + Math.log2(1 + (n.degree ?? 0)));
    return 18;
  }

  private footprint(n: GraphNode): Footprint {
    const centre = n.id === this.centre;
    const size = this.nodeSize(n);
    const fontSize = centre ? CENTRE_FONT_SIZE : FONT_SIZE;
    return {
      id: n.id,
      bodyW: size,
      bodyH: size,
      // what Cytoscape draws: the text, its background padding on both sides, a pixel of rounding
      labelW: Math.ceil(this.textWidth(this.labelText(n), fontSize, centre)) + 2 * LABEL_PADDING + 2,
      labelH: Math.ceil(fontSize * 1.25) + 2 * LABEL_PADDING,
    };
  }

  private stubFootprint(id: string, text: string): Footprint {
    return { id, bodyW: Math.ceil(this.textWidth(text, 11, false)) + 14, bodyH: 18, labelW: 0, labelH: 0 };
  }

  private redraw(): void {
    const cy = this.cy;
    if (cy.destroyed()) return;
    const range = this.yearRange();
    const wanted = new Map<string, ElementDefinition>();
    const shown = (id: string): boolean => this.suggestionsShown || !this.suggestedOnly.has(id);
    for (const n of this.nodes.values()) {
      const spot = this.layout.spot(n.id);
      if (!spot || !shown(n.id)) continue;
      const look = TYPE_LOOK[n.type];
      const isCentre = n.id === this.centre;
      const colour = n.type === "work" ? yearColour(numField(n, "year"), range) : look.colour;
      wanted.set(n.id, {
        group: "nodes",
        data: {
          id: n.id,
          kind: n.type,
          label: n.label,
          short: this.labelText(n),
          colour,
          border: look.border,
          shape: look.shape,
          size: this.nodeSize(n),
          minFont: isCentre || this.ring1.has(n.id) ? 0 : 6,
        },
        position: { x: spot.x, y: spot.y },
        classes: [
          isCentre ? "centre" : "",
          spot.side < 0 ? "lbl-left" : "",
          this.expandedIds.has(n.id) ? "expanded" : "",
          this.suggestedOnly.has(n.id) ? "suggested" : "",
        ]
          .join(" ")
          .trim(),
      });
    }
    // "+N more" next to its node: under the centre's label, or at the end of an explored node's new column.
    for (const n of this.nodes.values()) {
      const mid = MORE_PREFIX + n.id;
      const isCentre = n.id === this.centre;
      const stub = isCentre || (this.opts.moreFor === "explored" && this.expandedIds.has(n.id));
      this.layout.release(mid);
      if (!stub || n.hiddenNeighbours <= 0 || !wanted.has(n.id)) continue;
      const text = `+${n.hiddenNeighbours.toLocaleString("en")} more`;
      this.layout.placeStub(n.id, this.stubFootprint(mid, text));
      const spot = this.layout.spot(mid);
      if (!spot) continue;
      wanted.set(mid, {
        group: "nodes",
        data: { id: mid, of: n.id, short: text, kind: n.type, w: this.stubFootprint(mid, text).bodyW },
        position: { x: spot.x, y: spot.y },
        classes: "more",
      });
      wanted.set(`${mid}|edge`, {
        group: "edges",
        data: { id: `${mid}|edge`, source: n.id, target: mid, wlabel: "", width: 1, colour: "#b8bec7" },
        classes: "more-edge",
      });
    }
    const hubs = new Set<string>(this.expandedIds);
    if (this.centre) hubs.add(this.centre);
    const most = new Map<string, number>();
    for (const e of this.edges.values()) most.set(e.type, Math.max(most.get(e.type) ?? 0, e.works ?? 0));
    for (const [key, e] of this.edges) {
      if (!wanted.has(e.source) || !wanted.has(e.target)) continue;
      if (e.type === SUGGESTED && !this.suggestionsShown) continue;
      const top = most.get(e.type) ?? 0;
      const extra = MAX_EXTRA_WIDTH[e.type] ?? 0;
      const width = e.works === null || top <= 1 || extra === 0 ? (e.type === "COAUTHOR" ? 2 : 1.2) : 1.2 + extra * Math.sqrt((e.works - 1) / (top - 1));
      wanted.set(key, {
        group: "edges",
        data: {
          id: key,
          source: e.source,
          target: e.target,
          rel: e.type,
          width,
          colour: EDGE_COLOUR[e.type] ?? "#8a8f98",
          wlabel: tieText(e),
        },
        classes: e.type === SUGGESTED ? "suggested" : hubs.has(e.source) || hubs.has(e.target) ? "" : "cross",
      });
    }
    cy.batch(() => {
      cy.elements().forEach((el) => {
        if (!wanted.has(el.id())) el.remove();
      });
      for (const [id, def] of wanted) {
        const el = cy.getElementById(id);
        if (el.empty()) cy.add(def);
        else {
          el.data(def.data);
          if (def.position && el.isNode()) el.position(def.position);
          const keep = el.selected();
          el.classes(def.classes as string);
          if (keep) el.select();
        }
      }
      cy.nodes().forEach((n) => {
        const kind = n.data("kind") as NodeType;
        const hide = this.hiddenTypes.has(kind) && n.id() !== this.centre && !n.hasClass("more");
        const hideMore = n.hasClass("more") && this.hiddenTypes.has(kind) && n.data("of") !== this.centre;
        n.toggleClass("filtered", hide || hideMore);
      });
      cy.nodes(":selected").connectedEdges().addClass("focus");
    });
    this.applyFocus();
  }

  private hover(n: NodeSingular, on: boolean): void {
    if (n.hasClass("more")) return;
    n.toggleClass("hover", on);
    n.connectedEdges().toggleClass("hover", on);
  }

  private tapped(n: NodeSingular): void {
    if (n.hasClass("more")) {
      const of = this.nodes.get(n.data("of") as string);
      if (of && this.opts.onMoreTap) this.opts.onMoreTap(of);
      return;
    }
    const node = this.nodes.get(n.id());
    if (node && this.opts.onNodeTap) this.opts.onNodeTap(node);
  }
}

/** "+12 more": what a click on a stub does, in words (an expansion draws at most `budget` new nodes). */
export function moreTitle(hidden: number, budget: number): string {
  return `${plural(hidden, "connection", "connections")} not drawn; a click draws up to ${budget} more nodes`;
}
