// A read-only window.__researchKg handle on the drawn graphs, so browser tests can find where a node is drawn on
// the canvas (and click it there like a person would) and read what is shown.

import type { GraphView } from "./graph";

interface ViewHandle {
  nodeIds(): string[];
  visibleNodeIds(): string[];
  clientPosition(id: string): { x: number; y: number } | null;
  modelPosition(id: string): { x: number; y: number } | null;
  moreId(of: string): string;
  labelBoxes(): { id: string; x1: number; y1: number; x2: number; y2: number }[];
  dimmedIds(): string[];
  zoom(): number;
}

declare global {
  interface Window {
    __researchKg?: Record<string, ViewHandle>;
  }
}

export function exposeView(name: string, view: GraphView): void {
  window.__researchKg = window.__researchKg ?? {};
  window.__researchKg[name] = {
    nodeIds: () => view.allIds(),
    visibleNodeIds: () => view.visibleNodeIds(),
    clientPosition: (id) => view.clientPosition(id),
    modelPosition: (id) => view.modelPosition(id),
    moreId: (of) => view.moreId(of),
    labelBoxes: () => view.labelBoxes(),
    dimmedIds: () => view.dimmedIds(),
    zoom: () => view.zoomLevel(),
  };
}
