// The explorer's state in its URL, so a link or browser Back brings back the same graph: the root, every expansion
// in the order it was made (a node twice when its "+N more" was clicked), the selected node, the layers shown and
// the node types hidden.

import type { NodeType } from "./types";
import { NODE_TYPES } from "./types";

export interface ExplorerState {
  root: string;
  rootType: NodeType;
  expansions: string[];
  focus: string | null;
  layers: string[];
  hide: NodeType[];
}

/** Every id in the graph is typed: a lower-case prefix, a colon, the rest (the API's ID_PATTERN). */
export const ID_PATTERN = /^[a-z][a-z0-9_-]*:.+$/;

export function isId(s: string): boolean {
  return s.length <= 512 && ID_PATTERN.test(s);
}

export function explorerUrl(s: ExplorerState): string {
  const q = new URLSearchParams();
  let path = "/";
  if (s.rootType === "researcher") {
    path = `/researchers/${encodeURIComponent(s.root)}`;
    q.set("view", "explorer");
  } else {
    q.set("explore", s.root);
    q.set("type", s.rootType);
  }
  for (const x of s.expansions) q.append("x", x);
  if (s.focus) q.set("focus", s.focus);
  if (s.layers.length) q.set("layers", s.layers.join(","));
  if (s.hide.length) q.set("hide", s.hide.join(","));
  return `${path}?${q.toString()}`;
}

/** The state a URL's query describes (the root and its type come from the route). */
export function parseExplorerQuery(root: string, rootType: NodeType, q: URLSearchParams): ExplorerState {
  const list = (key: string): string[] =>
    (q.get(key) ?? "")
      .split(",")
      .map((x) => x.trim())
      .filter(Boolean);
  return {
    root,
    rootType,
    expansions: q.getAll("x").filter(isId),
    focus: q.get("focus") && isId(q.get("focus") as string) ? q.get("focus") : null,
    layers: list("layers").filter((l) => l === "suggestions"),
    hide: list("hide").filter((t): t is NodeType => (NODE_TYPES as string[]).includes(t)),
  };
}
