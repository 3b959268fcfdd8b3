// Plain words for what the graph holds: "2 shared papers (2021–2023)" rather than a weight, reasons a person can
// read rather than score parts, and the small helpers (plural, lists of names, ordinals) they are made of.

import type { GraphEdge, Named, SuggestionReasons } from "./types";

export function plural(n: number, one: string, many: string): string {
  return `${n.toLocaleString("en")} ${n === 1 ? one : many}`;
}

/** "(2021–2023)", "(2022)" or "" when the years are unknown. */
export function yearSpan(first: number | null, last: number | null): string {
  if (first === null && last === null) return "";
  if (first === null || last === null || first === last) return `(${first ?? last})`;
  return `(${first}–${last})`;
}

/** "2 shared papers (2021–2023)"; "co-author" when the graph does not say how many. */
export function sharedPapers(works: number | null, first: number | null, last: number | null): string {
  if (works === null) return "co-author";
  const span = yearSpan(first, last);
  return `${plural(works, "shared paper", "shared papers")}${span ? ` ${span}` : ""}`;
}

export function ordinal(n: number): string {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  return `${n}${["th", "st", "nd", "rd"][n % 10] ?? "th"}`;
}

/** "A", "A and B", "A, B and C", "A, B and 4 others" (at most `max` names). */
export function nameList(names: string[], total = names.length, max = 3): string {
  const shown = names.slice(0, max);
  const rest = Math.max(total, names.length) - shown.length;
  if (rest > 0) return `${shown.join(", ")} and ${plural(rest, "other", "others")}`;
  if (shown.length <= 1) return shown.join("");
  return `${shown.slice(0, -1).join(", ")} and ${shown[shown.length - 1]}`;
}

/**
 * What a drawn tie means, read from `from` (the node whose connections are listed): "3 shared papers (2019–2023)",
 * "first author", "works on it · 5 papers", "cites", "cited by" …
 */
export function tieText(e: GraphEdge, from: string | null = null): string {
  switch (e.type) {
    case "COAUTHOR":
      return sharedPapers(e.works, e.firstYear, e.lastYear);
    case "AUTHORED":
      return e.position ? `${e.position === 1 ? "first" : ordinal(e.position)} author` : "author";
    case "WORKS_ON":
      return e.works !== null ? `works on it · ${plural(e.works, "paper", "papers")}` : "works on it";
    case "HAS_TOPIC":
      return "topic of the paper";
    case "AFFILIATED_WITH":
      return "affiliated";
    case "PART_OF":
      if (from === e.source) return "part of";
      if (from === e.target) return "narrower topic";
      return "part of";
    case "CITES":
      if (from === e.target) return "cites it";
      if (from === e.source) return "cited";
      return "cites";
    case "SUGGESTED":
      return "suggested collaborator";
    default:
      return e.type.toLowerCase().replace(/_/g, " ");
  }
}

function names(xs: Named[]): string[] {
  return xs.map((x) => x.name ?? x.id);
}

/** The reasons a person is suggested, as sentences ("Both have written with A, B and 2 others"). */
export function reasonLines(r: SuggestionReasons, openToCollaborate: boolean | null): string[] {
  const out: string[] = [];
  if (r.sharedCoauthors.length || r.sharedCoauthorCount > 0) {
    out.push(`Both have written with ${nameList(names(r.sharedCoauthors), r.sharedCoauthorCount)}`);
  }
  if (r.openCoauthors.length) {
    out.push(`Both wrote with ${nameList(names(r.openCoauthors))} on papers without their other co-authors`);
  }
  if (r.sharedTopics.length) out.push(`Both work on ${nameList(names(r.sharedTopics), r.sharedTopics.length)}`);
  if (r.sharedInstitutions.length) {
    out.push(`Both at ${nameList(names(r.sharedInstitutions), r.sharedInstitutions.length)}`);
  }
  if (openToCollaborate) out.push("Open to collaborate");
  return out;
}

/** "cited 957 times" (as a source counts it). */
export function citedText(n: number | null): string | null {
  if (n === null) return null;
  return n === 0 ? "not cited yet" : `cited ${plural(n, "time", "times")}`;
}
