// Exports: a researcher's works as BibTeX and CSV (built here from the API's works pages), and a file download.

import type { WorkItem } from "./types";

/** Offer `data` as a file download named `name`. */
export function download(name: string, data: Blob): void {
  const url = URL.createObjectURL(data);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.rel = "noopener";
  document.body.append(a);
  a.click();
  a.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A file name from a person's name: "ada-ferreira". */
export function slug(text: string): string {
  const s = text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return s.slice(0, 60) || "researcher";
}

// ---- BibTeX -----------------------------------------------------------------------------------------------------

/** A value inside BibTeX braces: LaTeX's special characters escaped, braces balanced by escaping them all. */
export function bibValue(text: string): string {
  return text
    .replace(/\s+/g, " ")
    .trim()
    .replace(/\\/g, "\\textbackslash ")
    .replace(/([{}&%$#_])/g, "\\$1")
    .replace(/~/g, "\\textasciitilde ")
    .replace(/\^/g, "\\textasciicircum ");
}

function keyPart(text: string): string {
  return text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^A-Za-z0-9]/g, "");
}

const STOP = new Set(["a", "an", "the", "on", "of", "for", "in", "and", "to", "with", "towards", "toward"]);

function citeKey(w: WorkItem): string {
  const first = w.authors[0] ?? "";
  const surname = keyPart(first.split(/\s+/).filter(Boolean).pop() ?? "").toLowerCase() || "anon";
  const word = w.title
    .split(/\s+/)
    .map(keyPart)
    .find((x) => x && !STOP.has(x.toLowerCase()));
  return `${surname}${w.year ?? "nd"}${(word ?? "work").toLowerCase()}`;
}

function entryType(w: WorkItem): string {
  const venue = (w.venue ?? "").toLowerCase();
  if (w.type === "article" && w.venue && venue !== "arxiv") return "article";
  if (w.type === "proceedings-article" || w.type === "inproceedings") return "inproceedings";
  return "misc";
}

/** The works as BibTeX entries, one per work, with unique keys (surname, year, first title word). */
export function toBibtex(works: WorkItem[]): string {
  const used = new Map<string, number>();
  const entries = works.map((w) => {
    let key = citeKey(w);
    const n = used.get(key) ?? 0;
    used.set(key, n + 1);
    if (n > 0) key += String.fromCharCode(96 + Math.min(n, 26)); // b, c, … for the second, third …
    const kind = entryType(w);
    const fields: [string, string][] = [["title", w.title]];
    if (w.authors.length) fields.push(["author", [...w.authors, ...(w.authorsTruncated ? ["others"] : [])].join(" and ")]);
    if (w.year !== null) fields.push(["year", String(w.year)]);
    if (w.venue) fields.push([kind === "article" ? "journal" : kind === "inproceedings" ? "booktitle" : "howpublished", w.venue]);
    if (w.doi) fields.push(["doi", w.doi]);
    if (w.arxivId) {
      fields.push(["eprint", w.arxivId]);
      fields.push(["archiveprefix", "arXiv"]);
    }
    const url = w.doi ? `https://doi.org/${w.doi}` : w.arxivId ? `https://arxiv.org/abs/${w.arxivId}` : w.pdfUrl;
    if (url) fields.push(["url", url]);
    const body = fields
      .map(([k, v]) => `  ${k} = {${k === "author" ? v.split(" and ").map(bibValue).join(" and ") : k === "url" || k === "doi" ? v.replace(/[{}\\]/g, "") : bibValue(v)}}`)
      .join(",\n");
    return `@${kind}{${key},\n${body}\n}`;
  });
  return entries.join("\n\n") + (entries.length ? "\n" : "");
}

// ---- CSV --------------------------------------------------------------------------------------------------------

export const CSV_COLUMNS = ["id", "title", "year", "venue", "type", "authors", "doi", "arxiv_id", "cited_by_count", "url"];

/** One CSV cell (RFC 4180): quoted when needed; a formula-like start is defused for spreadsheets. */
export function csvCell(v: string | number | null): string {
  if (v === null) return "";
  let s = String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(works: WorkItem[]): string {
  const rows = works.map((w) =>
    [
      w.id,
      w.title,
      w.year,
      w.venue,
      w.type,
      [...w.authors, ...(w.authorsTruncated ? ["et al."] : [])].join("; "),
      w.doi,
      w.arxivId,
      w.citedByCount,
      w.doi ? `https://doi.org/${w.doi}` : w.arxivId ? `https://arxiv.org/abs/${w.arxivId}` : w.pdfUrl,
    ]
      .map(csvCell)
      .join(","),
  );
  return [CSV_COLUMNS.join(","), ...rows].join("\r\n") + "\r\n";
}
