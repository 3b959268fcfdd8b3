// The API client: same-origin fetches under /api/v1, problem+json errors as ApiError, and normalisers that turn
// the API's JSON into the shapes in types.ts (so a renamed field breaks in one place, not in every view).

import type {
  Collaborator,
  GraphEdge,
  GraphNode,
  GraphSlice,
  Named,
  NamedRef,
  NodeType,
  Overview,
  Page,
  QuickRead,
  SearchHit,
  Suggestion,
  WorkDetail,
  WorkItem,
  WorkRef,
} from "./types";
import { citedText, plural, sharedPapers } from "./words";

export const API_BASE = "/api/v1";

/** A failed API call: `status` 0 means the API could not be reached at all. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly retryAfter: number | null = null,
  ) {
    super(message);
    this.name = "ApiError";
  }

  get unreachable(): boolean {
    return this.status === 0;
  }

  get notFound(): boolean {
    return this.status === 404;
  }

  /** One line a person can act on. */
  describe(): string {
    if (this.unreachable) return "The Research KG API cannot be reached. Check that it is running, then try again.";
    if (this.status === 503) {
      const wait = this.retryAfter ? ` Try again in ${this.retryAfter} s.` : " Try again shortly.";
      return `The graph database is not answering right now.${wait}`;
    }
    if (this.status >= 500) return `The API failed (${this.status}): ${this.message}`;
    return this.message;
  }
}

type Json = Record<string, unknown>;

function isObj(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | null {
  if (typeof v === "string") return v;
  if (typeof v === "number") return String(v);
  return null;
}

function num(v: unknown): number | null {
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
  return null;
}

function bool(v: unknown): boolean | null {
  return typeof v === "boolean" ? v : null;
}

/** The first present value among several spellings of a field. */
function pick(o: Json, ...keys: string[]): unknown {
  for (const k of keys) {
    if (o[k] !== undefined && o[k] !== null) return o[k];
  }
  return undefined;
}

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export function nodeTypeOf(v: unknown, id = ""): NodeType {
  const t = (str(v) ?? "").toLowerCase();
  if (t === "researcher" || t === "work" || t === "topic" || t === "institution") return t;
  if (t === "person" || t === "author") return "researcher";
  // Fall back on the id's scheme when the type is missing.
  if (/^(orcid:|profile:|openalex:A)/.test(id)) return "researcher";
  if (/^(ror:|openalex:I)/.test(id)) return "institution";
  if (/^(openalex:T|openalex:(subfield|field|domain):|arxiv:[a-z-]+\.[A-Za-z-]+$)/.test(id)) return "topic";
  return "work";
}

async function getJson(path: string, params?: URLSearchParams, signal?: AbortSignal): Promise<unknown> {
  const url = API_BASE + path + (params && [...params.keys()].length ? `?${params.toString()}` : "");
  let resp: Response;
  try {
    resp = await fetch(url, { headers: { Accept: "application/json" }, signal });
  } catch (e) {
    if (e instanceof DOMException && e.name === "AbortError") throw e;
    throw new ApiError(0, "unreachable");
  }
  let body: unknown = null;
  const text = await resp.text();
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
  }
  if (!resp.ok) {
    let message = `${resp.status} ${resp.statusText}`.trim();
    if (isObj(body)) {
      const detail = pick(body, "detail", "title", "message");
      if (typeof detail === "string") message = detail;
      else if (Array.isArray(detail) && detail.length && isObj(detail[0])) {
        message = str(detail[0].msg) ?? message;
      }
    }
    const ra = num(resp.headers.get("Retry-After"));
    throw new ApiError(resp.status, message, ra);
  }
  if (body === null) throw new ApiError(resp.status || 500, "the API answered with something that is not JSON");
  return body;
}

// ---- normalisers ---------------------------------------------------------------------------------------------

const NODE_CORE_KEYS = new Set(["id", "type", "label", "degree", "hidden_neighbours", "name", "title", "hop"]);

export function toNode(raw: unknown): GraphNode | null {
  if (!isObj(raw)) return null;
  const id = str(raw.id);
  if (!id) return null;
  const type = nodeTypeOf(pick(raw, "type", "kind", "label_type"), id);
  // The display fields sit under `fields`; without it, whatever else the node carries.
  const fields: Record<string, unknown> = {};
  const source = isObj(raw.fields) ? raw.fields : Object.fromEntries(Object.entries(raw).filter(([k]) => !NODE_CORE_KEYS.has(k)));
  for (const [k, v] of Object.entries(source)) {
    if (v !== null && v !== undefined && v !== "" && !isObj(v)) fields[k] = v;
  }
  return {
    id,
    type,
    label: str(pick(raw, "label", "name", "title")) ?? id,
    degree: num(raw.degree),
    hop: num(raw.hop),
    hiddenNeighbours: Math.max(0, num(pick(raw, "hidden_neighbours", "hidden_neighbors", "hidden")) ?? 0),
    fields,
  };
}

export function toEdge(raw: unknown): GraphEdge | null {
  if (!isObj(raw)) return null;
  const source = str(pick(raw, "source", "from", "start"));
  const target = str(pick(raw, "target", "to", "end"));
  if (!source || !target) return null;
  return {
    source,
    target,
    type: str(pick(raw, "type", "rel", "kind")) ?? "",
    weight: num(raw.weight),
    works: num(raw.works),
    firstYear: num(raw.first_year),
    lastYear: num(raw.last_year),
    position: num(raw.position),
  };
}

export function toSlice(raw: unknown, centre: string | null): GraphSlice {
  const o = isObj(raw) ? raw : {};
  const nodes = list(o.nodes).map(toNode).filter((n): n is GraphNode => n !== null);
  const edges = list(pick(o, "edges", "relationships", "links"))
    .map(toEdge)
    .filter((e): e is GraphEdge => e !== null);
  const budget = isObj(o.budget) ? o.budget : {};
  for (const k of ["max_nodes", "budget_used", "nodes_used", "hops"]) {
    if (o[k] !== undefined && budget[k] === undefined) budget[k] = o[k];
  }
  return {
    nodes,
    edges,
    truncated: bool(o.truncated) ?? false,
    centre: str(pick(o, "centre", "center", "root", "node")) ?? centre,
    budget,
  };
}

function toRef(raw: unknown): NamedRef | null {
  if (typeof raw === "string") return { id: raw, name: raw, extra: null };
  if (!isObj(raw)) return null;
  const id = str(raw.id) ?? str(raw.name);
  if (!id) return null;
  // A short second word on the chip: shared works for a collaborator, works for a topic, country for a place.
  const shared = num(raw.shared_works);
  const works = num(raw.works);
  let extra: string | null = null;
  if (shared !== null) extra = sharedPapers(shared, num(raw.first_year), num(raw.last_year));
  else if (works !== null) extra = plural(works, "paper", "papers");
  else if (str(raw.country_code)) extra = str(raw.country_code);
  return { id, name: str(pick(raw, "name", "label", "title")) ?? id, extra };
}

function refs(v: unknown): NamedRef[] {
  return list(v).map(toRef).filter((r): r is NamedRef => r !== null);
}

function strs(v: unknown): string[] {
  return list(v).map(str).filter((s): s is string => s !== null);
}

export function toCollaborator(raw: unknown): Collaborator | null {
  if (!isObj(raw)) return null;
  const id = str(raw.id);
  if (!id) return null;
  return {
    id,
    name: str(raw.name) ?? id,
    sharedWorks: num(raw.shared_works),
    firstYear: num(raw.first_year),
    lastYear: num(raw.last_year),
    close: bool(raw.close) ?? false,
  };
}

function numberMap(v: unknown): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  if (isObj(v)) for (const [k, x] of Object.entries(v)) out[k] = num(x);
  return out;
}

export function toQuickRead(raw: unknown): QuickRead {
  const o = isObj(raw) ? raw : {};
  const trust = isObj(o.trust) ? o.trust : {};
  const counts = numberMap(o.counts);
  const reported = numberMap(pick(o, "reported", "reported_counts", "source_counts"));
  // Some counts may sit at the top level rather than under `counts`.
  for (const k of ["followers"]) {
    if (counts[k] === undefined && reported[k] === undefined && num(o[k]) !== null) reported[k] = num(o[k]);
  }
  const id = str(o.id) ?? "";
  const rule = isObj(o.close_rule) ? o.close_rule : {};
  return {
    id,
    name: str(pick(o, "name", "label")) ?? id,
    headline: str(o.headline),
    aliases: strs(o.aliases),
    orcid: str(o.orcid),
    openalexId: str(o.openalex_id),
    affiliationStatus: str(o.affiliation_status),
    institutions: refs(o.institutions),
    trustScore: num(o.trust_score) ?? num(trust.score),
    trustLabel: str(o.trust_label) ?? str(trust.label),
    verificationLevel: str(o.verification_level),
    claimed: bool(o.claimed),
    openToCollaborate: bool(o.open_to_collaborate),
    counts,
    reported,
    topTopics: refs(o.top_topics),
    closeCollaborators: list(o.top_collaborators)
      .map((c) => toCollaborator(isObj(c) ? { ...c, close: true } : c))
      .filter((c): c is Collaborator => c !== null),
    closeRule: { minSharedWorks: num(rule.min_shared_works) ?? 2, topK: num(rule.top_k) ?? 10 },
  };
}

/** Only plain web links leave the page (a source's URL could be anything). */
function httpUrl(v: unknown): string | null {
  const s = str(v);
  return s && /^https?:\/\//i.test(s) ? s : null;
}

export function toWork(raw: unknown): WorkItem | null {
  if (!isObj(raw)) return null;
  const id = str(raw.id);
  if (!id) return null;
  return {
    id,
    title: str(pick(raw, "title", "label", "name")) ?? id,
    year: num(raw.year),
    type: str(raw.type),
    venue: str(raw.venue),
    doi: str(raw.doi),
    arxivId: str(raw.arxiv_id),
    authors: strs(raw.authors).length ? strs(raw.authors) : list(raw.authors).map((a) => (isObj(a) ? str(a.name) : null)).filter((s): s is string => s !== null),
    authorsTruncated: bool(raw.authors_truncated) ?? false,
    citedByCount: num(raw.cited_by_count),
    pdfUrl: httpUrl(raw.pdf_url),
  };
}

function toWorkRef(raw: unknown): WorkRef | null {
  if (!isObj(raw)) return null;
  const id = str(raw.id);
  if (!id) return null;
  return { id, title: str(raw.title) ?? id, year: num(raw.year) };
}

export function toWorkDetail(raw: unknown): WorkDetail | null {
  const base = toWork(raw);
  if (!base || !isObj(raw)) return null;
  const counts = isObj(raw.counts) ? raw.counts : {};
  return {
    ...base,
    abstract: str(raw.abstract),
    date: str(raw.date),
    openalexId: str(raw.openalex_id),
    authorRefs: list(raw.authors)
      .map((a) => (isObj(a) && str(a.id) ? { id: str(a.id) as string, name: str(a.name) ?? (str(a.id) as string), position: num(a.position) } : null))
      .filter((a): a is { id: string; name: string; position: number | null } => a !== null),
    topics: list(raw.topics)
      .map((x) => (isObj(x) && str(x.id) ? { id: str(x.id) as string, name: str(x.name) ?? (str(x.id) as string), level: str(x.level) } : null))
      .filter((x): x is { id: string; name: string; level: string | null } => x !== null),
    cites: list(raw.cites).map(toWorkRef).filter((x): x is WorkRef => x !== null),
    citedBy: list(raw.cited_by).map(toWorkRef).filter((x): x is WorkRef => x !== null),
    citesCount: num(counts.cites) ?? 0,
    citedByInGraph: num(counts.cited_by) ?? 0,
  };
}

export function toPage<T>(raw: unknown, item: (x: unknown) => T | null): Page<T> {
  const o = isObj(raw) ? raw : {};
  const items = list(pick(o, "items", "results", "data")).map(item).filter((x): x is T => x !== null);
  return {
    items,
    nextCursor: str(pick(o, "next_cursor", "cursor", "next")),
    total: num(pick(o, "total", "count")),
  };
}

export function toHit(raw: unknown): SearchHit | null {
  if (!isObj(raw)) return null;
  const id = str(raw.id);
  if (!id) return null;
  const detailVal = pick(raw, "detail", "snippet", "year", "headline");
  const type = nodeTypeOf(pick(raw, "type", "kind"), id);
  return {
    id,
    type,
    label: str(pick(raw, "label", "name", "title")) ?? id,
    detail: detailVal === undefined ? null : String(detailVal),
    context: contextWords(type, isObj(raw.context) ? raw.context : {}),
  };
}

const LEVEL_WORDS: Record<string, string> = {
  domain: "Domain",
  field: "Field",
  subfield: "Subfield",
  topic: "Topic",
  category: "Category",
};

/** What tells a hit apart from others of the same name, as short phrases in reading order. */
function contextWords(type: NodeType, c: Json): string[] {
  const out: (string | null)[] = [];
  const n = (k: string): number | null => num(c[k]);
  if (type === "researcher") {
    const latest = str(c.latest_work);
    const title = latest && latest.length > 70 ? `${latest.slice(0, 69).trimEnd()}…` : latest;
    out.push(
      str(c.institution),
      str(c.top_topic),
      n("works") !== null ? plural(n("works") as number, "work", "works") : null,
      title ? `latest: “${title}”${n("latest_year") !== null ? ` (${n("latest_year")})` : ""}` : null,
    );
  } else if (type === "work") {
    const first = str(c.first_author);
    const authors = n("authors") ?? 0;
    out.push(first ? (authors > 1 ? `${first} et al.` : first) : null, str(c.year), str(c.venue), citedText(n("cited_by_count")));
  } else if (type === "topic") {
    const level = LEVEL_WORDS[str(c.level) ?? ""] ?? "Topic";
    const parent = str(c.parent);
    out.push(
      parent ? `${level} in ${parent}` : level,
      str(c.scheme) === "arxiv" ? "arXiv category" : str(c.scheme) === "openalex" ? "OpenAlex" : null,
      n("works") !== null ? plural(n("works") as number, "work", "works") : null,
    );
  } else {
    out.push(str(c.country_code), n("researchers") !== null ? plural(n("researchers") as number, "researcher", "researchers") : null);
  }
  return out.filter((s): s is string => s !== null && s !== "");
}

function toNamed(raw: unknown): Named | null {
  if (!isObj(raw)) return null;
  const id = str(raw.id);
  return id ? { id, name: str(raw.name) } : null;
}

function named(v: unknown): Named[] {
  return list(v).map(toNamed).filter((x): x is Named => x !== null);
}

export function toSuggestion(raw: unknown): Suggestion | null {
  if (!isObj(raw)) return null;
  const id = str(raw.id);
  if (!id) return null;
  const r = isObj(raw.reasons) ? raw.reasons : {};
  const coauthors = named(r.shared_coauthors);
  // format 4 marks each shared co-author whose links to both people lie in no triangle (kg.linkpred open_triangles)
  const open = named(list(r.shared_coauthors).filter((c) => isObj(c) && c.open === true));
  return {
    id,
    name: str(raw.name) ?? id,
    headline: str(raw.headline),
    openToCollaborate: bool(raw.open_to_collaborate),
    context: contextWords("researcher", isObj(raw.context) ? raw.context : {}),
    reasons: {
      sharedCoauthorCount: num(r.shared_coauthor_count) ?? coauthors.length,
      sharedCoauthors: coauthors,
      openCoauthors: open,
      sharedTopics: named(r.shared_topics),
      sharedInstitutions: named(pick(r, "shared_institutions", "institutions")),
    },
  };
}

// ---- endpoints -----------------------------------------------------------------------------------------------

const enc = encodeURIComponent;

export async function quickRead(id: string, signal?: AbortSignal): Promise<QuickRead> {
  return toQuickRead(await getJson(`/researchers/${enc(id)}`, undefined, signal));
}

export async function researcherSlice(id: string, signal?: AbortSignal): Promise<GraphSlice> {
  return toSlice(await getJson(`/researchers/${enc(id)}/graph`, undefined, signal), id);
}

/** The API takes at most this many exclude ids (EXCLUDE_LIMIT in api/schemas.py). */
export const EXCLUDE_LIMIT = 500;

/** The most new nodes one expansion draws: the API's default node budget (MAX_NODES_DEFAULT) less the centre. */
export const EXPAND_BUDGET = 39;

export async function expand(node: string, exclude: Iterable<string>, signal?: AbortSignal): Promise<GraphSlice> {
  const params = new URLSearchParams({ node });
  for (const x of exclude) params.append("exclude", x);
  return toSlice(await getJson("/graph/expand", params, signal), node);
}

export async function researcherWorks(id: string, cursor: string | null, signal?: AbortSignal): Promise<Page<WorkItem>> {
  const params = new URLSearchParams();
  if (cursor) params.set("cursor", cursor);
  return toPage(await getJson(`/researchers/${enc(id)}/works`, params, signal), toWork);
}

export async function search(q: string, signal?: AbortSignal, limit = 20): Promise<SearchHit[]> {
  const params = new URLSearchParams({ q, limit: String(limit) });
  return toPage(await getJson("/search", params, signal), toHit).items;
}

/** One page of search results, of one kind or all kinds. */
export async function searchPage(
  q: string,
  type: NodeType | null,
  cursor: string | null,
  signal?: AbortSignal,
): Promise<Page<SearchHit>> {
  const params = new URLSearchParams({ q, limit: "25" });
  if (type) params.set("type", type);
  if (cursor) params.set("cursor", cursor);
  return toPage(await getJson("/search", params, signal), toHit);
}

export async function suggestions(id: string, limit: number, signal?: AbortSignal): Promise<Suggestion[]> {
  const params = new URLSearchParams({ limit: String(limit) });
  return toPage(await getJson(`/researchers/${enc(id)}/suggestions`, params, signal), toSuggestion).items;
}

export async function collaborators(id: string, limit: number, signal?: AbortSignal): Promise<Collaborator[]> {
  const params = new URLSearchParams({ limit: String(limit) });
  return toPage(await getJson(`/researchers/${enc(id)}/collaborators`, params, signal), toCollaborator).items;
}

export async function workDetail(id: string, signal?: AbortSignal): Promise<WorkDetail> {
  const w = toWorkDetail(await getJson(`/works/${enc(id)}`, undefined, signal));
  if (!w) throw new ApiError(500, "the API answered with a work that has no id");
  return w;
}

/** Most works an export fetches (pages of 100). */
export const EXPORT_LIMIT = 2000;

/** Every work of a researcher, up to EXPORT_LIMIT; `complete` says whether that was all of them. */
export async function allWorks(id: string, signal?: AbortSignal): Promise<{ works: WorkItem[]; complete: boolean }> {
  const works: WorkItem[] = [];
  let cursor: string | null = null;
  do {
    const params = new URLSearchParams({ limit: "100" });
    if (cursor) params.set("cursor", cursor);
    const page: Page<WorkItem> = toPage(await getJson(`/researchers/${enc(id)}/works`, params, signal), toWork);
    works.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && works.length < EXPORT_LIMIT);
  return { works, complete: cursor === null };
}

const DETAIL_PATH: Record<NodeType, string> = {
  researcher: "researchers",
  work: "works",
  topic: "topics",
  institution: "institutions",
};

/** The detail record of any node, as the API gives it (shown as a field list in the explorer). */
export async function detail(type: NodeType, id: string, signal?: AbortSignal): Promise<Json> {
  const body = await getJson(`/${DETAIL_PATH[type]}/${enc(id)}`, undefined, signal);
  return isObj(body) ? body : {};
}

export function toOverview(raw: unknown): Overview {
  const o = isObj(raw) ? raw : {};
  const c = isObj(o.counts) ? o.counts : {};
  const n = (v: unknown): number => num(v) ?? 0;
  return {
    counts: {
      researchers: n(c.researchers),
      works: n(c.works),
      topics: n(c.topics),
      topicsUsed: n(c.topics_used),
      institutions: n(c.institutions),
    },
    loadRuns: list(o.load_runs)
      .filter(isObj)
      .map((r) => ({
        id: str(r.id) ?? "",
        source: str(r.source),
        status: str(r.status),
        startedAt: str(r.started_at),
        loaded: num(r.loaded),
        rejected: num(r.rejected),
        written: Object.fromEntries(
          Object.entries(isObj(r.written) ? r.written : {}).filter((e): e is [string, number] => num(e[1]) !== null),
        ),
      })),
    researchers: list(o.researchers)
      .filter(isObj)
      .map((r) => ({
        id: str(r.id) ?? "",
        name: str(r.name) ?? str(r.id) ?? "",
        works: n(r.works),
        coauthors: n(r.coauthors),
        institutions: n(r.institutions),
      }))
      .filter((r) => r.id !== ""),
    minWorks: n(o.min_works),
    minCoauthors: n(o.min_coauthors),
  };
}

export async function overview(signal?: AbortSignal): Promise<Overview> {
  return toOverview(await getJson("/overview", undefined, signal));
}
