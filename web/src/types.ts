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
  /** A few display fields as the API gives them (year, venue, level, country_code, …). */
  fields: Record<string, unknown>;
}

export interface GraphEdge {
  source: string;
  target: string;
  type: string;
  weight: number | null;
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

export interface QuickRead {
  id: string;
  name: string;
  headline: string | null;
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
  topCollaborators: NamedRef[];
}

export interface WorkItem {
  id: string;
  title: string;
  year: number | null;
  venue: string | null;
  doi: string | null;
  arxivId: string | null;
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
