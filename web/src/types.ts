// The shapes the panel reads from the API (/api/v1), normalised once in api.ts so the views never guess.

export type NodeType = "researcher" | "work" | "topic" | "institution";
export const NODE_TYPES: NodeType[] = ["researcher", "work", "topic", "institution"];

export interface GraphNode {
  id: string;
  type: NodeType;
  label: string;
  degree: number | null;
  /** 0 for the centre of the response it came from, 1 for its ring, 2 for the ring after. */
  hop: number | null;
  hiddenNeighbours: number;
  /** A few display fields as the API gives them (year, venue, level, country_code, doi, cited_by_count, …). */
  fields: Record<string, unknown>;
}

export interface GraphEdge {
  source: string;
  target: string;
  /** A relationship type of the graph, or SUGGESTED for the explorer's suggestions layer. */
  type: string;
  weight: number | null;
  /** The works a co-author pair shares. */
  works: number | null;
  firstYear: number | null;
  lastYear: number | null;
  /** An author's place in the author list. */
  position: number | null;
}

export interface GraphSlice {
  nodes: GraphNode[];
  edges: GraphEdge[];
  truncated: boolean;
  /** The node the slice is centred on (the researcher, or the expanded node). */
  centre: string | null;
  budget: Record<string, unknown>;
}

export interface NamedRef {
  id: string;
  name: string;
  extra: string | null;
}

export interface Collaborator {
  id: string;
  name: string;
  sharedWorks: number | null;
  firstYear: number | null;
  lastYear: number | null;
  close: boolean;
}

export interface QuickRead {
  id: string;
  name: string;
  headline: string | null;
  aliases: string[];
  orcid: string | null;
  openalexId: string | null;
  affiliationStatus: string | null;
  institutions: NamedRef[];
  trustScore: number | null;
  trustLabel: string | null;
  verificationLevel: string | null;
  claimed: boolean | null;
  openToCollaborate: boolean | null;
  /** Counts computed from the graph. */
  counts: Record<string, number | null>;
  /** Counts a source stated (a profile page's own numbers), kept apart. */
  reported: Record<string, number | null>;
  topTopics: NamedRef[];
  /** The close collaborators, strongest first. */
  closeCollaborators: Collaborator[];
  /** The one definition of a close collaborator. */
  closeRule: { minSharedWorks: number; topK: number };
}

export interface Named {
  id: string;
  name: string | null;
}

export interface SuggestionReasons {
  sharedCoauthorCount: number;
  sharedCoauthors: Named[];
  /** The shared co-authors each of the two wrote with on papers without their other co-authors. */
  openCoauthors: Named[];
  sharedTopics: Named[];
  sharedInstitutions: Named[];
}

export interface Suggestion {
  id: string;
  name: string;
  headline: string | null;
  openToCollaborate: boolean | null;
  reasons: SuggestionReasons;
  /** What tells this person apart from others of the same name (institution, top topic, works). */
  context: string[];
}

export interface WorkItem {
  id: string;
  title: string;
  year: number | null;
  type: string | null;
  venue: string | null;
  doi: string | null;
  arxivId: string | null;
  authors: string[];
  authorsTruncated: boolean;
  citedByCount: number | null;
  pdfUrl: string | null;
}

export interface WorkRef {
  id: string;
  title: string;
  year: number | null;
}

export interface WorkDetail extends WorkItem {
  abstract: string | null;
  date: string | null;
  openalexId: string | null;
  authorRefs: { id: string; name: string; position: number | null }[];
  topics: { id: string; name: string; level: string | null }[];
  cites: WorkRef[];
  citedBy: WorkRef[];
  /** Citing and cited works in the graph (the lists above are capped). */
  citesCount: number;
  citedByInGraph: number;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
  total: number | null;
}

export interface SearchHit {
  id: string;
  type: NodeType;
  label: string;
  detail: string | null;
  /** What tells this hit apart from others of the same name, in plain words ("MIT · Graph learning · 12 works"). */
  context: string[];
}

/** The landing page's picture of the graph (GET /overview). */
export interface Overview {
  counts: { researchers: number; works: number; topics: number; topicsUsed: number; institutions: number };
  loadRuns: {
    id: string;
    source: string | null;
    status: string | null;
    startedAt: string | null;
    loaded: number | null;
    rejected: number | null;
    written: Record<string, number>;
  }[];
  researchers: { id: string; name: string; works: number; coauthors: number; institutions: number }[];
  minWorks: number;
  minCoauthors: number;
}
