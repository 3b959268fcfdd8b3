// The graph drawing shared by the profile's panel and the full explorer: Cytoscape.js with a deterministic radial
// layout around the centre, node types told apart by shape and colour, edge width by weight, "+N more" stubs for
// what the budget left out, and label culling so labels never pile up into an unreadable mush.

import cytoscape from "cytoscape";
import type { Core, ElementDefinition, EventObject, Layouts, NodeSingular, StylesheetJson } from "cytoscape";

import type { GraphEdge, GraphNode, GraphSlice, NodeType } from "./types";
import { NODE_TYPES } from "./types";

export interface TypeLook {
  colour: string;
  border: string;
  shape: "ellipse" | "round-rectangle" | "diamond" | "hexagon";
  title: string;
  base: number;
}

// Colour and shape both differ, so the types stay apart for colour-blind readers and in greyscale print.
export const TYPE_LOOK: Record<NodeType, TypeLook> = {
  researcher: { colour: "#2f6fde", border: "#1d4ba3", shape: "ellipse", title: "Researcher", base: 22 },
  work: { colour: "#e8833a", border: "#a9561a", shape: "round-rectangle", title: "Work", base: 16 },
  topic: { colour: "#2e9e5b", border: "#1d6b3c", shape: "diamond", title: "Topic", base: 20 },
  institution: { colour: "#8c52c8", border: "#5e3190", shape: "hexagon", title: "Institution", base: 20 },
};

const EDGE_COLOUR: Record<string, string> = {
  COAUTHOR: "#2f6fde",
  AUTHORED: "#8a8f98",
  HAS_TOPIC: "#2e9e5b",
  WORKS_ON: "#2e9e5b",
  AFFILIATED_WITH: "#8c52c8",
  PART_OF: "#2e9e5b",
  CITES: "#e8833a",
};

const EDGE_WORDS: Record<string, string> = {
  COAUTHOR: "co-author",
  AUTHORED: "authored",
  HAS_TOPIC: "topic",
  WORKS_ON: "works on",
  AFFILIATED_WITH: "affiliated",
  PART_OF: "part of",
  CITES: "cites",
};

const MORE_PREFIX = "more::";
const MIN_ARC = 46; // model px between neighbours on a ring
const RING_GAP = 120;
const FIRST_RING = 150;

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

// What an edge's weight means per type (the API sends COAUTHOR and WORKS_ON weight, HAS_TOPIC score, AUTHORED
// confidence) and how wide it may draw: a co-author tie is the panel's story, an authorship confidence is not.
const WEIGHT_WORD: Record<string, string> = { HAS_TOPIC: "score", AUTHORED: "confidence" };
const MAX_EXTRA_WIDTH: Record<string, number> = { COAUTHOR: 7, WORKS_ON: 5, HAS_TOPIC: 3, AUTHORED: 1 };

export function weightText(e: GraphEdge): string {
  const what = EDGE_WORDS[e.type] ?? e.type.toLowerCase();
  if (e.weight === null) return what;
  const w = Number.isInteger(e.weight) ? String(e.weight) : e.weight.toFixed(2);
  return `${what} · ${WEIGHT_WORD[e.type] ?? "weight"} ${w}`;
}

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
        "font-family": "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif",
        "font-size": 11,
        color: "#1f2328",
        "text-wrap": "ellipsis",
        "text-max-width": "170px",
        "text-background-color": "#ffffff",
        "text-background-opacity": 0.85,
        "text-background-padding": "2px",
        "text-background-shape": "roundrectangle",
        "min-zoomed-font-size": 7,
        "text-valign": "bottom",
        "text-halign": "center",
        "text-margin-y": 3,
      },
    },
    { selector: "node.lbl-right", style: { "text-valign": "center", "text-halign": "right", "text-margin-x": 5, "text-margin-y": 0 } },
    { selector: "node.lbl-left", style: { "text-valign": "center", "text-halign": "left", "text-margin-x": -5, "text-margin-y": 0 } },
    { selector: "node.lbl-top", style: { "text-valign": "top", "text-halign": "center", "text-margin-y": -3 } },
    { selector: "node.lbl-bottom", style: { "text-valign": "bottom", "text-halign": "center", "text-margin-y": 3 } },
    { selector: "node.label-hidden", style: { "text-opacity": 0, "text-background-opacity": 0 } },
    {
      selector: "node.centre",
      style: {
        "border-width": 5,
        "border-color": "#f2b705",
        "font-size": 14,
        "font-weight": "bold",
        "z-index": 20,
        "text-opacity": 1,
        "text-background-opacity": 0.95,
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
        width: "label",
        height: 18,
        padding: "4px",
        label: "data(short)",
        "font-size": 10,
        color: "#4b5563",
        "text-valign": "center",
        "text-halign": "center",
        "text-margin-x": 0,
        "text-margin-y": 0,
        "text-background-opacity": 0,
        "text-opacity": 1,
      },
    },
    { selector: "node.filtered, edge.filtered", style: { display: "none" } },
    {
      selector: "node.hover, node:selected",
      style: { "text-opacity": 1, "text-background-opacity": 0.95, "z-index": 30, "overlay-opacity": 0 },
    },
    { selector: "node:selected", style: { "border-width": 4, "border-color": "#111827" } },
    { selector: "node.centre:selected", style: { "border-color": "#f2b705", "border-width": 6 } },
    { selector: "node.expanded", style: { "border-style": "double", "border-width": 4 } },
    {
      selector: "edge",
      style: {
        width: "data(width)",
        "line-color": "data(colour)",
        "curve-style": "straight",
        opacity: 0.5,
        label: "data(wlabel)",
        "font-size": 9,
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
    { selector: "edge.cross", style: { opacity: 0.16 } },
    { selector: "edge.more-edge", style: { "line-style": "dashed", "line-color": "#b8bec7", width: 1, opacity: 0.8 } },
    {
      selector: "edge.hover",
      style: { opacity: 0.95, "text-opacity": 1, "text-background-opacity": 0.9, "z-index": 25 },
    },
    { selector: "edge.focus", style: { opacity: 0.9 } },
    { selector: "node.dim", style: { opacity: 0.25 } },
    { selector: "edge.dim", style: { opacity: 0.08 } },
  ];
}

interface Placement {
  x: number;
  y: number;
  angle: number;
  depth: number;
}

/** The drawing of one graph; the panel and the explorer each own one. */
export class GraphView {
  readonly cy: Core;
  private nodes = new Map<string, GraphNode>();
  private edges = new Map<string, GraphEdge>();
  private centre: string | null = null;
  private hiddenTypes = new Set<NodeType>();
  private expandedIds = new Set<string>();
  private maxWeight = new Map<string, number>();
  private userMoved = false;
  private resizer: ResizeObserver;
  private running: Layouts | null = null;

  constructor(
    readonly container: HTMLElement,
    private readonly opts: GraphViewOptions,
  ) {
    this.cy = cytoscape({
      container,
      style: stylesheet(),
      minZoom: 0.15,
      maxZoom: 3,
      userZoomingEnabled: opts.interactive,
      userPanningEnabled: opts.interactive,
      boxSelectionEnabled: false,
      autoungrabify: !opts.interactive,
      selectionType: "single",
      textureOnViewport: false,
      pixelRatio: "auto",
      // We place every node ourselves (layout() below). Cytoscape's default first layout (grid) measures the
      // container and fails on one that has no size, as when the page moved on before the slice arrived.
      layout: { name: "null" },
    });
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
      if (!this.userMoved) this.fit();
    });
    this.resizer.observe(container);
    opts.signal.addEventListener("abort", () => this.destroy(), { once: true });
  }

  destroy(): void {
    this.resizer.disconnect();
    this.running?.stop();
    this.running = null;
    if (!this.cy.destroyed()) this.cy.destroy();
  }

  private fit(): void {
    this.cy.fit(
      this.cy.nodes().filter((n) => !n.hasClass("filtered")),
      28,
    );
  }

  // ---- data ----------------------------------------------------------------------------------------------------

  /** Replace everything with one slice centred on `centre`. */
  setSlice(slice: GraphSlice, centre: string): void {
    this.nodes.clear();
    this.edges.clear();
    this.expandedIds.clear();
    this.centre = centre;
    this.cy.elements().remove();
    this.absorb(slice, null);
    this.redraw(false);
  }

  /**
   * Merge the ring an expand call returned around `around`; returns the ids that are new. The expanded node's
   * own hidden count is replaced by what the API now says is left out.
   */
  mergeExpansion(slice: GraphSlice, around: string): string[] {
    const added = this.absorb(slice, around);
    this.expandedIds.add(around);
    this.redraw(true);
    return added;
  }

  private absorb(slice: GraphSlice, around: string | null): string[] {
    const added: string[] = [];
    for (const n of slice.nodes) {
      const old = this.nodes.get(n.id);
      if (!old) {
        this.nodes.set(n.id, n);
        added.push(n.id);
      } else if (n.id === around) {
        this.nodes.set(n.id, { ...old, ...n, fields: { ...old.fields, ...n.fields } });
      }
    }
    for (const e of slice.edges) {
      if (this.nodes.has(e.source) && this.nodes.has(e.target)) this.edges.set(edgeKey(e), e);
    }
    // What is left out of a node = its degree (the API counts the panel's relationship types in the whole graph)
    // minus the edges drawn so far, which after an expansion can be more than any one response showed.
    const touching = new Map<string, number>();
    for (const e of this.edges.values()) {
      touching.set(e.source, (touching.get(e.source) ?? 0) + 1);
      if (e.target !== e.source) touching.set(e.target, (touching.get(e.target) ?? 0) + 1);
    }
    for (const n of this.nodes.values()) {
      if (n.degree === null) continue;
      const left = Math.max(0, n.degree - (touching.get(n.id) ?? 0));
      if (left !== n.hiddenNeighbours) this.nodes.set(n.id, { ...n, hiddenNeighbours: Math.min(left, n.hiddenNeighbours) });
    }
    this.maxWeight.clear();
    for (const e of this.edges.values()) {
      this.maxWeight.set(e.type, Math.max(this.maxWeight.get(e.type) ?? 0, e.weight ?? 0));
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

  allIds(): string[] {
    return [...this.nodes.keys()];
  }

  isExpanded(id: string): boolean {
    return this.expandedIds.has(id);
  }

  edgesOf(id: string): { edge: GraphEdge; other: GraphNode }[] {
    const out: { edge: GraphEdge; other: GraphNode }[] = [];
    for (const e of this.edges.values()) {
      const otherId = e.source === id ? e.target : e.target === id ? e.source : null;
      const other = otherId ? this.nodes.get(otherId) : undefined;
      if (other) out.push({ edge: e, other });
    }
    // People first, then works, topics, institutions; the heaviest tie first within each.
    return out.sort(
      (a, b) =>
        NODE_TYPES.indexOf(a.other.type) - NODE_TYPES.indexOf(b.other.type) ||
        (b.edge.weight ?? 0) - (a.edge.weight ?? 0) ||
        a.other.label.localeCompare(b.other.label) ||
        a.other.id.localeCompare(b.other.id),
    );
  }

  // ---- filters and selection -------------------------------------------------------------------------------

  setTypeVisible(type: NodeType, visible: boolean): void {
    if (visible) this.hiddenTypes.delete(type);
    else this.hiddenTypes.add(type);
    this.redraw(false);
  }

  typeVisible(type: NodeType): boolean {
    return !this.hiddenTypes.has(type);
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
    for (const n of this.nodes.values()) out[n.type] += 1;
    return out;
  }

  select(id: string, centreOn: boolean): void {
    this.cy.nodes().unselect();
    this.cy.edges().removeClass("focus");
    const el = this.cy.getElementById(id);
    if (el.empty()) return;
    el.select();
    el.connectedEdges().addClass("focus");
    if (centreOn) this.cy.animate({ center: { eles: el }, duration: 250 });
  }

  /** Where a node is drawn, in page (client) coordinates — what a pointer would click. */
  clientPosition(id: string): { x: number; y: number } | null {
    const el = this.cy.getElementById(id);
    if (el.empty() || !el.visible()) return null;
    const p = el.renderedPosition();
    const r = this.container.getBoundingClientRect();
    return { x: r.left + p.x, y: r.top + p.y };
  }

  moreId(of: string): string {
    return MORE_PREFIX + of;
  }

  /** The drawn labels (not culled, not filtered) as boxes in canvas pixels: what a reader sees as text. */
  labelBoxes(): { id: string; x1: number; y1: number; x2: number; y2: number }[] {
    return this.cy
      .nodes()
      .filter((n) => !n.hasClass("filtered") && !n.hasClass("label-hidden") && !n.hasClass("more"))
      .map((n) => {
        const b = n.renderedBoundingBox({ includeNodes: false, includeEdges: false, includeLabels: true, includeOverlays: false });
        return { id: n.id(), x1: b.x1, y1: b.y1, x2: b.x2, y2: b.y2 };
      })
      .filter((b) => b.x2 > b.x1 && b.y2 > b.y1);
  }

  // ---- drawing -------------------------------------------------------------------------------------------------

  private redraw(animate: boolean): void {
    const cy = this.cy;
    const wanted = new Map<string, ElementDefinition>();
    for (const n of this.nodes.values()) {
      const look = TYPE_LOOK[n.type];
      const isCentre = n.id === this.centre;
      const size = isCentre ? 46 : look.base + Math.min(16, 3 * Math.log2(1 + (n.degree ?? 0)));
      wanted.set(n.id, {
        group: "nodes",
        data: {
          id: n.id,
          kind: n.type,
          label: n.label,
          short: shorten(n.label, isCentre ? 48 : n.type === "work" ? 34 : 28),
          colour: look.colour,
          border: look.border,
          shape: look.shape,
          size,
        },
        classes: [isCentre ? "centre" : "", this.expandedIds.has(n.id) ? "expanded" : ""].join(" ").trim(),
      });
      const stub = isCentre || (this.opts.moreFor === "explored" && this.expandedIds.has(n.id));
      if (stub && n.hiddenNeighbours > 0) {
        const mid = MORE_PREFIX + n.id;
        wanted.set(mid, {
          group: "nodes",
          data: { id: mid, of: n.id, short: `+${n.hiddenNeighbours.toLocaleString("en")} more`, kind: n.type },
          classes: "more",
        });
        wanted.set(`${mid}|edge`, {
          group: "edges",
          data: { id: `${mid}|edge`, source: n.id, target: mid, wlabel: "", width: 1, colour: "#b8bec7" },
          classes: "more-edge",
        });
      }
    }
    const hubs = new Set<string>(this.expandedIds);
    if (this.centre) hubs.add(this.centre);
    for (const [key, e] of this.edges) {
      const w = e.weight ?? 0;
      const top = this.maxWeight.get(e.type) ?? 0;
      const extra = MAX_EXTRA_WIDTH[e.type] ?? 2;
      const width = e.weight === null || top <= 0 ? 1.2 : 1 + extra * Math.sqrt(Math.max(0, w) / top);
      wanted.set(key, {
        group: "edges",
        data: {
          id: key,
          source: e.source,
          target: e.target,
          rel: e.type,
          weight: e.weight,
          width,
          colour: EDGE_COLOUR[e.type] ?? "#8a8f98",
          wlabel: weightText(e),
        },
        classes: hubs.has(e.source) || hubs.has(e.target) ? "" : "cross",
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
    this.layout(animate);
  }

  /**
   * A radial tree from the centre: rings by hop distance, each node's angular share proportional to what hangs
   * below it, first-ring neighbours grouped by type. Deterministic: the same graph always lands the same way.
   */
  private placements(): Map<string, Placement> {
    const cy = this.cy;
    const visible = cy.nodes().filter((n) => !n.hasClass("filtered"));
    const ids = new Set(visible.map((n) => n.id()));
    const root = this.centre && ids.has(this.centre) ? this.centre : visible.length ? visible[0].id() : null;
    const out = new Map<string, Placement>();
    if (!root) return out;

    const typeRank = (id: string): number => {
      const n = this.nodes.get(id);
      if (!n) return 9; // "+N more" stubs go last among siblings
      return NODE_TYPES.indexOf(n.type);
    };
    const weightTo = new Map<string, number>();
    const adj = new Map<string, string[]>();
    for (const id of ids) adj.set(id, []);
    cy.edges().forEach((e) => {
      const s = e.source().id();
      const t = e.target().id();
      if (!ids.has(s) || !ids.has(t)) return;
      adj.get(s)?.push(t);
      adj.get(t)?.push(s);
      const w = (e.data("weight") as number | null) ?? 0;
      weightTo.set(`${s}|${t}`, Math.max(w, weightTo.get(`${s}|${t}`) ?? 0));
      weightTo.set(`${t}|${s}`, Math.max(w, weightTo.get(`${t}|${s}`) ?? 0));
    });
    const label = (id: string): string => this.nodes.get(id)?.label ?? id;
    const order = (from: string) => (a: string, b: string) =>
      typeRank(a) - typeRank(b) ||
      (weightTo.get(`${from}|${b}`) ?? 0) - (weightTo.get(`${from}|${a}`) ?? 0) ||
      label(a).localeCompare(label(b)) ||
      a.localeCompare(b);

    // Breadth-first tree; whatever is not reachable hangs off the root so it is still drawn.
    const children = new Map<string, string[]>();
    const depth = new Map<string, number>([[root, 0]]);
    const queue = [root];
    const seen = new Set([root]);
    const visit = (): void => {
      while (queue.length) {
        const cur = queue.shift() as string;
        const kids = (adj.get(cur) ?? []).filter((x) => !seen.has(x)).sort(order(cur));
        const unique = [...new Set(kids)];
        for (const k of unique) {
          seen.add(k);
          depth.set(k, (depth.get(cur) ?? 0) + 1);
          queue.push(k);
        }
        children.set(cur, unique);
      }
    };
    visit();
    const orphans = [...ids].filter((id) => !seen.has(id)).sort(order(root));
    for (const o of orphans) {
      if (seen.has(o)) continue;
      seen.add(o);
      depth.set(o, 1);
      children.get(root)?.push(o);
      queue.push(o);
      visit();
    }

    const leaves = new Map<string, number>();
    const countLeaves = (id: string): number => {
      const kids = children.get(id) ?? [];
      const n = kids.length ? kids.reduce((s, k) => s + countLeaves(k), 0) : 1;
      leaves.set(id, n);
      return n;
    };
    countLeaves(root);

    // Angles first (they do not depend on the radii), then each ring's radius: far enough out that the closest
    // two neighbours on it are at least MIN_ARC apart.
    const angle = new Map<string, number>();
    const sweep = (id: string, from: number, span: number): void => {
      angle.set(id, (depth.get(id) ?? 0) === 0 ? Math.PI / 2 : from + span / 2);
      let at = from;
      for (const k of children.get(id) ?? []) {
        const share = (span * (leaves.get(k) ?? 1)) / (leaves.get(id) ?? 1);
        sweep(k, at, share);
        at += share;
      }
    };
    // Start at the left so the first type (researchers) reads first, sweeping clockwise.
    sweep(root, Math.PI * 0.75, 2 * Math.PI);
    const maxDepth = Math.max(0, ...depth.values());
    const radius: number[] = [0];
    for (let d = 1; d <= maxDepth; d++) {
      const ring = [...depth.entries()].filter(([, x]) => x === d).map(([id]) => angle.get(id) ?? 0);
      ring.sort((a, b) => a - b);
      let gap = 2 * Math.PI;
      for (let i = 0; i < ring.length; i++) {
        const next = i + 1 < ring.length ? ring[i + 1] : ring[0] + 2 * Math.PI;
        if (ring.length > 1) gap = Math.min(gap, next - ring[i]);
      }
      const prev = radius[d - 1] ?? 0;
      radius.push(Math.max(prev + (d === 1 ? FIRST_RING : RING_GAP), MIN_ARC / Math.max(gap, 1e-3)));
    }

    const rect = this.container.getBoundingClientRect();
    const stretch = Math.min(1.6, Math.max(1, rect.width / Math.max(1, rect.height)));
    for (const [id, a] of angle) {
      const d = depth.get(id) ?? 0;
      const r = radius[d] ?? 0;
      out.set(id, { x: r * Math.cos(a) * stretch, y: r * Math.sin(a), angle: a, depth: d });
    }
    return out;
  }

  private layout(animate: boolean): void {
    const cy = this.cy;
    // A redraw moves nodes out from under the pointer without a mouseout: drop any hover highlight.
    cy.elements().removeClass("hover dim");
    const pos = this.placements();
    cy.batch(() => {
      cy.nodes().forEach((n) => {
        const p = pos.get(n.id());
        if (!p) return;
        n.removeClass("lbl-right lbl-left lbl-top lbl-bottom");
        if (p.depth === 0 || n.hasClass("more")) n.addClass("lbl-bottom");
        else {
          const c = Math.cos(p.angle);
          const s = Math.sin(p.angle);
          // Labels point away from the centre, sideways wherever possible: side by side, horizontal labels
          // collide far less than labels stacked under neighbouring nodes.
          n.addClass(c > 0.12 ? "lbl-right" : c < -0.12 ? "lbl-left" : s > 0 ? "lbl-bottom" : "lbl-top");
        }
      });
    });
    this.cullLabels(pos);
    this.userMoved = false;
    if (animate) {
      this.running?.stop();
      this.running = cy.layout({
        name: "preset",
        positions: (n: NodeSingular) => pos.get(n.id()) ?? n.position(),
        animate: true,
        animationDuration: 350,
        fit: true,
        padding: 28,
      } as cytoscape.LayoutOptions);
      this.running.run();
    } else {
      cy.batch(() => {
        cy.nodes().forEach((n) => {
          const p = pos.get(n.id());
          if (p) n.position({ x: p.x, y: p.y });
        });
      });
      this.fit();
    }
  }

  /**
   * Hide the labels that would overlap a more important label or another node's body; a hidden label comes back
   * on hover and selection. Importance: the centre, then the inner rings, researchers before institutions,
   * topics and works, heavier ties first.
   */
  private cullLabels(pos: Map<string, Placement>): void {
    const cy = this.cy;
    const rank = (n: NodeSingular): number[] => {
      const p = pos.get(n.id());
      const kind = n.data("kind") as NodeType;
      const typeOrder: Record<NodeType, number> = { researcher: 0, institution: 1, topic: 2, work: 3 };
      return [n.hasClass("centre") ? 0 : 1, p?.depth ?? 9, typeOrder[kind] ?? 5, -(n.data("size") as number)];
    };
    const cmp = (a: number[], b: number[]): number => {
      for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
      return 0;
    };
    type Box = { x1: number; y1: number; x2: number; y2: number; owner: string };
    const overlaps = (a: Box, b: Box): boolean => a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2;
    const bodies: Box[] = [];
    const real = cy.nodes().filter((n) => !n.hasClass("filtered"));
    real.forEach((n) => {
      const p = pos.get(n.id());
      if (!p) return;
      const half = (n.hasClass("more") ? 24 : (n.data("size") as number)) / 2;
      bodies.push({ x1: p.x - half, y1: p.y - half, x2: p.x + half, y2: p.y + half, owner: n.id() });
    });
    const kept: Box[] = [];
    const candidates = real.filter((n) => !n.hasClass("more")).toArray() as NodeSingular[];
    candidates.sort((a, b) => cmp(rank(a), rank(b)) || a.id().localeCompare(b.id()));
    cy.batch(() => {
      for (const n of candidates) {
        const p = pos.get(n.id());
        if (!p) continue;
        n.removeClass("label-hidden");
        const bb = n.boundingBox({ includeNodes: false, includeEdges: false, includeLabels: true, includeOverlays: false });
        const dx = p.x - n.position("x");
        const dy = p.y - n.position("y");
        const box: Box = { x1: bb.x1 + dx, y1: bb.y1 + dy, x2: bb.x2 + dx, y2: bb.y2 + dy, owner: n.id() };
        const clash =
          box.x2 > box.x1 &&
          (kept.some((k) => overlaps(k, box)) || bodies.some((b) => b.owner !== n.id() && overlaps(b, box)));
        if (clash && !n.hasClass("centre")) n.addClass("label-hidden");
        else kept.push(box);
      }
    });
  }

  private hover(n: NodeSingular, on: boolean): void {
    if (n.hasClass("more")) return;
    n.toggleClass("hover", on);
    n.connectedEdges().toggleClass("hover", on);
    if (!this.opts.interactive) return;
    const near = n.closedNeighborhood();
    this.cy.elements().not(near).toggleClass("dim", on);
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
