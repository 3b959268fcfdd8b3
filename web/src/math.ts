// Text with LaTeX in it (abstracts, titles) as DOM: $…$, \(…\), $$…$$ and \[…\] typeset by KaTeX (bundled, no CDN),
// everything else as plain text nodes. A lone dollar ("costs $5") stays a dollar.

import katex from "katex";
import "katex/dist/katex.min.css";

export interface Segment {
  math: boolean;
  display: boolean;
  text: string;
}

// Display math first, then inline; an inline $…$ must not start or end with a space (so "$5 and $6" is text) and
// must not be followed by a digit.
const MATH = /\$\$([\s\S]+?)\$\$|\\\[([\s\S]+?)\\\]|\\\(([\s\S]+?)\\\)|\$(?!\s)((?:\\\$|[^$\n])+?)(?<!\s)\$(?!\d)/g;

/** Split text into plain and math segments. */
export function segments(text: string): Segment[] {
  const out: Segment[] = [];
  let last = 0;
  for (const m of text.matchAll(MATH)) {
    const at = m.index ?? 0;
    if (at > last) out.push({ math: false, display: false, text: text.slice(last, at) });
    const display = m[1] !== undefined || m[2] !== undefined;
    out.push({ math: true, display, text: (m[1] ?? m[2] ?? m[3] ?? m[4] ?? "").trim() });
    last = at + m[0].length;
  }
  if (last < text.length) out.push({ math: false, display: false, text: text.slice(last) });
  return out;
}

/** A span holding `text` with its math typeset. KaTeX escapes what it is given and runs no commands it does not
 * know (`trust` is off), so its markup is safe to insert; the plain parts are text nodes. */
export function withMath(text: string, className = ""): HTMLElement {
  const out = document.createElement("span");
  if (className) out.className = className;
  for (const s of segments(text)) {
    if (!s.math) {
      out.append(document.createTextNode(s.text));
      continue;
    }
    const holder = document.createElement("span");
    holder.className = s.display ? "math display" : "math";
    try {
      holder.innerHTML = katex.renderToString(s.text, {
        displayMode: s.display,
        throwOnError: false,
        trust: false,
        strict: "ignore",
        output: "htmlAndMathml",
        maxSize: 20,
        maxExpand: 200,
      });
    } catch {
      holder.textContent = s.display ? `$$${s.text}$$` : `$${s.text}$`;
    }
    out.append(holder);
  }
  return out;
}
