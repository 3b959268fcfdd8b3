// Links that lead out of the graph: a work's DOI, arXiv page and PDF (arXiv's, or the open-access one a source
// names), opened in a new tab.

import { h } from "./dom";

export interface Linkable {
  doi: string | null;
  arxivId: string | null;
  pdfUrl: string | null;
}

export function doiUrl(doi: string): string {
  return `https://doi.org/${doi.replace(/^https?:\/\/(dx\.)?doi\.org\//i, "")}`;
}

export function pdfUrl(w: Linkable): string | null {
  return w.pdfUrl ?? (w.arxivId ? `https://arxiv.org/pdf/${w.arxivId}` : null);
}

/** DOI, arXiv and PDF links, each with a data-testid of `${prefix}-doi` … when a prefix is given. */
export function workLinks(w: Linkable, prefix: string | null = null): HTMLElement[] {
  const out: HTMLElement[] = [];
  const link = (kind: string, href: string, text: string): HTMLElement =>
    h("a", { href, rel: "noopener", target: "_blank", testid: prefix ? `${prefix}-${kind}` : null, className: "out-link" }, text);
  if (w.doi) out.push(link("doi", doiUrl(w.doi), `DOI ${w.doi}`));
  if (w.arxivId) out.push(link("arxiv", `https://arxiv.org/abs/${w.arxivId}`, `arXiv:${w.arxivId}`));
  const pdf = pdfUrl(w);
  if (pdf) out.push(link("pdf", pdf, "PDF"));
  return out;
}
