// Small DOM helpers: elements built with text nodes only (never innerHTML with API data), and the legend.

import { TYPE_LOOK, YEAR_RAMP } from "./graph";
import type { NodeType } from "./types";
import { NODE_TYPES } from "./types";

type Attrs = Record<string, string | number | boolean | null | undefined | ((ev: Event) => void)>;
type Child = Node | string | number | null | undefined | false | Child[];

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (typeof v === "function") el.addEventListener(k.replace(/^on/, "").toLowerCase(), v);
    else if (k === "testid") el.setAttribute("data-testid", String(v));
    else if (k === "className") el.className = String(v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  append(el, children);
  return el;
}

export function append(el: Element, children: Child[]): void {
  for (const c of children) {
    if (Array.isArray(c)) {
      append(el, c);
      continue;
    }
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

const SVG = "http://www.w3.org/2000/svg";

function svgEl(tag: string, attrs: Record<string, string | number>): SVGElement {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

/** A 16 px swatch in the node type's shape and colour, as drawn in the graph. */
export function swatch(type: NodeType): SVGSVGElement {
  const look = TYPE_LOOK[type];
  const svg = svgEl("svg", { width: 16, height: 16, viewBox: "0 0 16 16", "aria-hidden": "true" }) as SVGSVGElement;
  const paint = { fill: look.colour, stroke: look.border, "stroke-width": 1.2 };
  if (look.shape === "ellipse") svg.append(svgEl("circle", { cx: 8, cy: 8, r: 6.5, ...paint }));
  else if (look.shape === "round-rectangle")
    svg.append(svgEl("rect", { x: 1.5, y: 2.5, width: 13, height: 11, rx: 3, ...paint }));
  else if (look.shape === "diamond") svg.append(svgEl("polygon", { points: "8,1 15,8 8,15 1,8", ...paint }));
  else svg.append(svgEl("polygon", { points: "4.5,2 11.5,2 15,8 11.5,14 4.5,14 1,8", ...paint }));
  return svg;
}

export interface LegendState {
  /** The oldest and newest drawn year of a work, when any work has one. */
  years: [number, number] | null;
  /** Whether drawn works are sized by citations. */
  citations: boolean;
  /** Whether the suggestions layer is shown. */
  suggestions: boolean;
}

/** The legend of a drawing: node types, the centre, "+N more", what line width says, the year ramp. */
export function legend(state: LegendState = { years: null, citations: false, suggestions: false }): HTMLElement {
  const centre = svgEl("svg", { width: 16, height: 16, viewBox: "0 0 16 16", "aria-hidden": "true" });
  centre.append(svgEl("circle", { cx: 8, cy: 8, r: 5.5, fill: TYPE_LOOK.researcher.colour, stroke: "#f2b705", "stroke-width": 3 }));
  const more = svgEl("svg", { width: 22, height: 16, viewBox: "0 0 22 16", "aria-hidden": "true" });
  more.append(svgEl("rect", { x: 1, y: 3, width: 20, height: 10, rx: 3, fill: "#f3f4f6", stroke: "#9aa1ab", "stroke-dasharray": "2 2" }));
  const width = svgEl("svg", { width: 26, height: 16, viewBox: "0 0 26 16", "aria-hidden": "true" });
  width.append(svgEl("line", { x1: 1, y1: 4, x2: 25, y2: 4, stroke: "#2f6fde", "stroke-width": 1.5 }));
  width.append(svgEl("line", { x1: 1, y1: 11, x2: 25, y2: 11, stroke: "#2f6fde", "stroke-width": 5 }));
  const items: (HTMLElement | null)[] = [
    ...NODE_TYPES.map((t) => h("li", { "data-type": t }, swatch(t), TYPE_LOOK[t].title)),
    h("li", {}, centre, "Centre"),
    h("li", {}, more, "+N not drawn yet"),
    h("li", {}, width, "Wider line = more shared papers"),
  ];
  if (state.suggestions) {
    const dash = svgEl("svg", { width: 26, height: 16, viewBox: "0 0 26 16", "aria-hidden": "true" });
    dash.append(svgEl("line", { x1: 1, y1: 8, x2: 25, y2: 8, stroke: "#b4238f", "stroke-width": 2, "stroke-dasharray": "5 3" }));
    items.push(h("li", { testid: "legend-suggested" }, dash, "Suggested collaborator"));
  }
  if (state.years) {
    const [lo, hi] = state.years;
    const ramp = svgEl("svg", { width: 50, height: 12, viewBox: "0 0 50 12", "aria-hidden": "true" });
    YEAR_RAMP.forEach((c, i) => ramp.append(svgEl("rect", { x: i * 10, y: 1, width: 10, height: 10, fill: c })));
    items.push(
      lo === hi
        ? h("li", { testid: "legend-years", "data-from": lo, "data-to": hi }, `Works from ${lo}`)
        : h(
            "li",
            { testid: "legend-years", "data-from": lo, "data-to": hi },
            "Works by year: ",
            h("span", {}, String(lo)),
            ramp,
            h("span", {}, String(hi)),
          ),
    );
  }
  if (state.citations) items.push(h("li", { testid: "legend-citations" }, "Larger work = cited more (as OpenAlex counts)"));
  return h("ul", { className: "legend", testid: "graph-legend", "aria-label": "Legend" }, items);
}

export function fmtNumber(n: number | null | undefined): string {
  if (n === null || n === undefined) return "—";
  return Number.isInteger(n) ? n.toLocaleString("en") : n.toFixed(2);
}

export function humanise(s: string | null | undefined): string {
  if (!s) return "—";
  return s.replace(/_/g, " ");
}

/**
 * A link that stays in the page: a plain click goes through `go` (the router); a click with a modifier key or the
 * middle button is left to the browser (a new tab).
 */
export function navLink(
  go: (url: string) => void,
  href: string,
  attrs: Attrs,
  ...children: Child[]
): HTMLAnchorElement {
  return h(
    "a",
    {
      ...attrs,
      href,
      onclick: (ev: Event) => {
        const e = ev as MouseEvent;
        if (e.ctrlKey || e.metaKey || e.shiftKey || e.button === 1) return;
        ev.preventDefault();
        go(href);
      },
    },
    ...children,
  );
}
