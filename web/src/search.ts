// The search box: API full-text search as you type (debounced, stale answers dropped), hits grouped by kind with
// what tells same-named ones apart (institution, top topic, works count …), arrow keys and Enter to choose, and a
// link to the page with all results.

import * as api from "./api";
import { ApiError } from "./api";
import { clear, h, swatch } from "./dom";
import type { NodeType, SearchHit } from "./types";
import { NODE_TYPES } from "./types";

export const GROUP_TITLES: Record<NodeType, string> = {
  researcher: "Researchers",
  work: "Works",
  topic: "Topics",
  institution: "Institutions",
};

/** Where the box's "All results" link and Enter on a query with no choice lead. */
export interface SearchNav {
  go(url: string): void;
  searchUrl(q: string, type?: NodeType | null): string;
}

const PER_GROUP = 6;
let boxes = 0;

/** A hit as a button: its name in full, and what tells it apart on a second line. */
export function hitBody(hit: SearchHit): Node[] {
  return [
    swatch(hit.type),
    h(
      "span",
      { className: "result-text" },
      h("span", { className: "result-label" }, hit.label),
      hit.context.length ? h("span", { className: "result-context muted", testid: "result-context" }, hit.context.join(" · ")) : null,
    ),
  ];
}

export class SearchBox {
  readonly el: HTMLElement;
  readonly input: HTMLInputElement;
  private results: HTMLElement;
  private timer: number | undefined;
  private inflight: AbortController | null = null;
  private options: HTMLButtonElement[] = [];
  private active = -1;
  private readonly listId: string;

  constructor(
    testid: string,
    placeholder: string,
    private readonly onPick: (hit: SearchHit) => void | Promise<void>,
    private readonly nav: SearchNav,
  ) {
    boxes += 1;
    this.listId = `search-list-${boxes}`;
    this.input = h("input", {
      type: "search",
      className: "search-input",
      testid,
      placeholder,
      "aria-label": placeholder,
      autocomplete: "off",
      role: "combobox",
      "aria-expanded": "false",
      "aria-controls": this.listId,
      "aria-autocomplete": "list",
    });
    this.results = h("div", { className: "search-results", testid: "search-results", id: this.listId, role: "listbox", hidden: true });
    this.el = h("div", { className: "search" }, this.input, this.results);
    this.input.addEventListener("input", () => {
      window.clearTimeout(this.timer);
      this.timer = window.setTimeout(() => this.run(), 200);
    });
    this.input.addEventListener("keydown", (ev) => this.key(ev));
    document.addEventListener("click", (ev) => {
      if (!this.el.contains(ev.target as Node)) this.hide();
    });
  }

  private key(ev: KeyboardEvent): void {
    const open = !this.results.hidden && this.options.length > 0;
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      ev.preventDefault();
      if (!open) {
        if (this.results.hidden && this.options.length) this.show();
        else this.run();
        return;
      }
      const n = this.options.length;
      const next = ev.key === "ArrowDown" ? (this.active + 1) % n : (this.active - 1 + n) % n;
      this.setActive(this.active < 0 && ev.key === "ArrowUp" ? n - 1 : next);
    } else if (ev.key === "Home" && open && this.active >= 0) {
      ev.preventDefault();
      this.setActive(0);
    } else if (ev.key === "End" && open && this.active >= 0) {
      ev.preventDefault();
      this.setActive(this.options.length - 1);
    } else if (ev.key === "Enter") {
      ev.preventDefault();
      if (open) (this.options[Math.max(0, this.active)] as HTMLButtonElement).click();
      else {
        window.clearTimeout(this.timer);
        this.run();
      }
    } else if (ev.key === "Escape") this.hide();
  }

  private setActive(i: number): void {
    this.options.forEach((o, k) => {
      o.classList.toggle("active", k === i);
      o.setAttribute("aria-selected", String(k === i));
    });
    this.active = i;
    const o = this.options[i];
    if (o) {
      this.input.setAttribute("aria-activedescendant", o.id);
      o.scrollIntoView({ block: "nearest" });
    } else this.input.removeAttribute("aria-activedescendant");
  }

  hide(): void {
    this.results.hidden = true;
    this.input.setAttribute("aria-expanded", "false");
    this.input.removeAttribute("aria-activedescendant");
  }

  private show(): void {
    this.results.hidden = false;
    this.input.setAttribute("aria-expanded", "true");
  }

  private run(): void {
    const q = this.input.value.trim();
    if (q.length < 2) {
      this.hide();
      return;
    }
    this.inflight?.abort();
    const ctrl = new AbortController();
    this.inflight = ctrl;
    this.show();
    this.options = [];
    this.active = -1;
    clear(this.results);
    this.results.append(h("p", { className: "muted search-note", testid: "search-loading" }, "Searching…"));
    api.search(q, ctrl.signal, 24).then(
      (hits) => {
        if (ctrl.signal.aborted) return;
        this.render(q, hits);
      },
      (e: unknown) => {
        if (e instanceof DOMException && e.name === "AbortError") return;
        clear(this.results);
        const text = e instanceof ApiError ? e.describe() : String(e);
        this.results.append(h("p", { className: "error-text search-note", testid: "search-error" }, text));
      },
    );
  }

  private render(q: string, hits: SearchHit[]): void {
    clear(this.results);
    this.options = [];
    this.active = -1;
    if (!hits.length) {
      this.results.append(h("p", { className: "muted search-note", testid: "search-empty" }, `Nothing matches “${q}”.`));
      return;
    }
    // Kinds in the order of their best hit; within a kind, the API's rank.
    const order = NODE_TYPES.filter((t) => hits.some((x) => x.type === t)).sort(
      (a, b) => hits.findIndex((x) => x.type === a) - hits.findIndex((x) => x.type === b),
    );
    for (const t of order) {
      const group = hits.filter((x) => x.type === t);
      const list = h("ul", { className: "search-group-list", role: "group", "aria-label": GROUP_TITLES[t] });
      for (const hit of group.slice(0, PER_GROUP)) {
        const id = `${this.listId}-${this.options.length}`;
        const option = h(
          "button",
          {
            id,
            className: "result",
            type: "button",
            role: "option",
            "aria-selected": "false",
            tabindex: "-1",
            testid: "search-result",
            "data-id": hit.id,
            "data-type": hit.type,
            onclick: () => {
              this.hide();
              this.input.value = hit.label;
              void this.onPick(hit);
            },
          },
          hitBody(hit),
        );
        option.addEventListener("mousemove", () => this.setActive(this.options.indexOf(option)));
        this.options.push(option);
        list.append(h("li", {}, option));
      }
      this.results.append(
        h(
          "section",
          { className: "search-group", testid: "search-group", "data-type": t },
          h("h3", {}, GROUP_TITLES[t]),
          list,
        ),
      );
    }
    const all = this.nav.searchUrl(q);
    this.results.append(
      h(
        "a",
        {
          className: "search-all",
          testid: "search-all",
          href: all,
          onclick: (ev: Event) => {
            ev.preventDefault();
            this.hide();
            this.nav.go(all);
          },
        },
        `All results for “${q}” →`,
      ),
    );
  }
}
