// The search box: API full-text search as you type (debounced, stale answers dropped), results by type.

import * as api from "./api";
import { ApiError } from "./api";
import { clear, h, swatch } from "./dom";
import type { SearchHit } from "./types";

export class SearchBox {
  readonly el: HTMLElement;
  readonly input: HTMLInputElement;
  private results: HTMLUListElement;
  private timer: number | undefined;
  private inflight: AbortController | null = null;

  constructor(
    testid: string,
    placeholder: string,
    private readonly onPick: (hit: SearchHit) => void | Promise<void>,
  ) {
    this.input = h("input", {
      type: "search",
      className: "search-input",
      testid,
      placeholder,
      "aria-label": placeholder,
      autocomplete: "off",
    });
    this.results = h("ul", { className: "search-results", testid: "search-results", role: "listbox", hidden: true });
    this.el = h("div", { className: "search" }, this.input, this.results);
    this.input.addEventListener("input", () => {
      window.clearTimeout(this.timer);
      this.timer = window.setTimeout(() => this.run(), 250);
    });
    this.input.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter") {
        ev.preventDefault();
        const first = this.results.querySelector<HTMLButtonElement>("button.result");
        if (first && !this.results.hidden) first.click();
        else {
          window.clearTimeout(this.timer);
          this.run();
        }
      } else if (ev.key === "Escape") this.hide();
    });
    document.addEventListener("click", (ev) => {
      if (!this.el.contains(ev.target as Node)) this.hide();
    });
  }

  hide(): void {
    this.results.hidden = true;
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
    this.results.hidden = false;
    clear(this.results);
    this.results.append(h("li", { className: "muted", testid: "search-loading" }, "Searching…"));
    api.search(q, ctrl.signal).then(
      (hits) => {
        if (ctrl.signal.aborted) return;
        clear(this.results);
        if (!hits.length) {
          this.results.append(h("li", { className: "muted", testid: "search-empty" }, `Nothing matches “${q}”.`));
          return;
        }
        for (const hit of hits.slice(0, 12)) {
          this.results.append(
            h(
              "li",
              { role: "option" },
              h(
                "button",
                {
                  className: "result",
                  testid: "search-result",
                  "data-id": hit.id,
                  "data-type": hit.type,
                  onclick: () => {
                    this.hide();
                    this.input.value = hit.label;
                    void this.onPick(hit);
                  },
                },
                swatch(hit.type),
                h("span", { className: "result-label" }, hit.label),
                hit.detail ? h("span", { className: "result-detail muted" }, hit.detail) : null,
              ),
            ),
          );
        }
      },
      (e: unknown) => {
        if (e instanceof DOMException && e.name === "AbortError") return;
        clear(this.results);
        const text = e instanceof ApiError ? e.describe() : String(e);
        this.results.append(h("li", { className: "error-text", testid: "search-error" }, text));
      },
    );
  }
}
