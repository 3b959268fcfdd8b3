// Where each node of a drawing goes, so that labels never overlap and a drawn node never moves: the centre's ring
// in columns beside it (labels pointing away from the centre, a row each), and every later ring as a new column
// next to the node it grew from, in the first free place found. Pure geometry: no DOM, no Cytoscape.

/** An axis-aligned box in model coordinates. */
export interface Box {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/** What a node needs room for: its body and its label (a "+N more" stub is a body without a label). */
export interface Footprint {
  id: string;
  bodyW: number;
  bodyH: number;
  labelW: number;
  labelH: number;
}

/** Where a node sits and which way its label points: right (1), left (-1), or below it (0, the centre). */
export interface Spot {
  x: number;
  y: number;
  side: -1 | 0 | 1;
}

export const ROW = 26; // model px from one row to the next
const LABEL_GAP = 6; // between a body and its label
const COLUMN_GAP = 40; // between a label's end and the next column's bodies
const MARGIN = 2; // boxes closer than this count as touching
const MAX_ROWS = 12; // a column of a later ring holds at most this many rows
const SEARCH_ROWS = 30; // how far down more of the centre's ring or a stub may go to find room
const NEAR_ROWS = 4; // how far up or down a new column may move to stay right next to its node

export function overlaps(a: Box, b: Box, margin = MARGIN): boolean {
  return a.x1 < b.x2 + margin && b.x1 < a.x2 + margin && a.y1 < b.y2 + margin && b.y1 < a.y2 + margin;
}

/** The boxes a node occupies at a spot: its body and its label. */
export function footprintBoxes(f: Footprint, s: Spot): Box[] {
  const body: Box = { x1: s.x - f.bodyW / 2, y1: s.y - f.bodyH / 2, x2: s.x + f.bodyW / 2, y2: s.y + f.bodyH / 2 };
  if (f.labelW <= 0) return [body];
  if (s.side === 0) {
    const top = body.y2 + 3;
    return [body, { x1: s.x - f.labelW / 2, y1: top, x2: s.x + f.labelW / 2, y2: top + f.labelH }];
  }
  const start = s.side > 0 ? body.x2 + LABEL_GAP : body.x1 - LABEL_GAP - f.labelW;
  return [body, { x1: start, y1: s.y - f.labelH / 2, x2: start + f.labelW, y2: s.y + f.labelH / 2 }];
}

function bounds(boxes: Iterable<Box>): Box | null {
  let b: Box | null = null;
  for (const x of boxes) {
    b = b ? { x1: Math.min(b.x1, x.x1), y1: Math.min(b.y1, x.y1), x2: Math.max(b.x2, x.x2), y2: Math.max(b.y2, x.y2) } : { ...x };
  }
  return b;
}

/** The placed nodes of one drawing. Placing is deterministic: the same calls in the same order give the same spots. */
export class Layout {
  private spots = new Map<string, Spot>();
  private prints = new Map<string, Footprint>();
  private occupied = new Map<string, Box[]>();
  /** The centre ring's columns: where each is and its lowest row, so more of the ring continues them. */
  private ring: { x: number; side: 1 | -1; bottom: number; count: number }[] = [];

  has(id: string): boolean {
    return this.spots.has(id);
  }

  spot(id: string): Spot | undefined {
    return this.spots.get(id);
  }

  clear(): void {
    this.ring = [];
    this.spots.clear();
    this.prints.clear();
    this.occupied.clear();
  }

  /** Let go of a node's place (a "+N more" stub that changes or goes). */
  release(id: string): void {
    this.spots.delete(id);
    this.prints.delete(id);
    this.occupied.delete(id);
  }

  /** The bounding box of everything placed (labels included). */
  extent(): Box | null {
    return bounds([...this.occupied.values()].flat());
  }

  private put(f: Footprint, s: Spot): void {
    this.spots.set(f.id, s);
    this.prints.set(f.id, f);
    this.occupied.set(f.id, footprintBoxes(f, s));
  }

  private fits(boxes: Box[]): boolean {
    for (const taken of this.occupied.values()) {
      for (const t of taken) for (const b of boxes) if (overlaps(t, b)) return false;
    }
    return true;
  }

  /**
   * The centre and its ring: the ring in columns beside the centre, filled top to bottom in the given order (the
   * first column on the right, the next on the left, then further out), with as many columns as draw it largest
   * in a container of the given width/height ratio.
   */
  placeRing(centre: Footprint, ring: Footprint[], aspect: number): void {
    this.clear();
    this.put(centre, { x: 0, y: 0, side: 0 });
    if (!ring.length) return;
    const centreBox = bounds(footprintBoxes(centre, { x: 0, y: 0, side: 0 })) as Box;
    let best: { zoom: number; spots: Spot[] } | null = null;
    for (let k = 1; k <= Math.min(4, ring.length); k++) {
      const spots = this.columns(centreBox, ring, k);
      const all = ring.flatMap((f, i) => footprintBoxes(f, spots[i]));
      const b = bounds([...all, centreBox]) as Box;
      // How large the drawing would be shown; past life size, larger does not read better.
      const zoom = Math.min(1, aspect / Math.max(1, b.x2 - b.x1), 1 / Math.max(1, b.y2 - b.y1));
      if (!best || zoom > best.zoom * 1.02) best = { zoom, spots };
    }
    const chosen = (best as { spots: Spot[] }).spots;
    ring.forEach((f, i) => this.put(f, chosen[i]));
    for (const s of chosen) {
      const col = this.ring.find((c) => c.x === s.x);
      if (col) {
        col.bottom = Math.max(col.bottom, s.y);
        col.count += 1;
      } else this.ring.push({ x: s.x, side: s.side as 1 | -1, bottom: s.y, count: 1 });
    }
  }

  private columns(centreBox: Box, ring: Footprint[], k: number): Spot[] {
    const perColumn = Math.ceil(ring.length / k);
    const spots: Spot[] = [];
    // Column j: right for even j, left for odd (one column: right); further out for each pair.
    const reach = { 1: Math.max(120, centreBox.x2 + 24), [-1]: Math.max(120, -centreBox.x1 + 24) } as Record<number, number>;
    for (let j = 0; j < k; j++) {
      const members = ring.slice(j * perColumn, (j + 1) * perColumn);
      if (!members.length) break;
      const side: 1 | -1 = k === 1 || j % 2 === 0 ? 1 : -1;
      const widest = Math.max(...members.map((f) => f.bodyW));
      const x = reach[side] + widest / 2;
      members.forEach((_, i) => {
        spots.push({ x: side * x, y: (i - (members.length - 1) / 2) * ROW, side });
      });
      const longest = Math.max(...members.map((f) => f.bodyW / 2 + LABEL_GAP + f.labelW));
      reach[side] = x + longest + COLUMN_GAP;
    }
    return spots;
  }

  /**
   * A new ring around a placed node: in columns on the node's side, just past its label, centred on its row, in
   * the first place where nothing already drawn is in the way (moving up and down, then outwards). Around the
   * centre, the new nodes continue the ring's columns instead.
   */
  placeAround(parent: string, items: Footprint[]): void {
    const todo = items.filter((f) => !this.spots.has(f.id));
    if (!todo.length) return;
    const p = this.spots.get(parent);
    const pf = this.prints.get(parent);
    if (!p || !pf) {
      this.placeFree(todo);
      return;
    }
    if (p.side === 0) {
      this.extendRing(todo);
      return;
    }
    const side = p.side;
    const start = p.x + side * (pf.bodyW / 2 + LABEL_GAP + pf.labelW + COLUMN_GAP);
    for (let b = 0; b < todo.length; b += MAX_ROWS) {
      this.placeColumn(todo.slice(b, b + MAX_ROWS), start, p.y, side);
    }
  }

  /**
   * A "+N more" stub next to its node: under the centre's label, or in the first free row just past a node's
   * label (below its newest column when it has one).
   */
  placeStub(parent: string, stub: Footprint): void {
    const p = this.spots.get(parent);
    const pf = this.prints.get(parent);
    if (!p || !pf) return;
    if (p.side !== 0) {
      this.placeAround(parent, [stub]);
      return;
    }
    const below = bounds(footprintBoxes(pf, p)) as Box;
    for (let r = 0; r <= 4 * SEARCH_ROWS; r++) {
      const s: Spot = { x: p.x, y: below.y2 + stub.bodyH / 2 + 6 + r * ROW, side: 0 };
      if (this.fits(footprintBoxes(stub, s))) {
        this.put(stub, s);
        return;
      }
    }
  }

  /** Nodes with no placed parent: a column to the right of everything drawn. */
  private placeFree(items: Footprint[]): void {
    const ext = this.extent() ?? { x1: 0, y1: 0, x2: 0, y2: 0 };
    for (let b = 0; b < items.length; b += MAX_ROWS) {
      this.placeColumn(items.slice(b, b + MAX_ROWS), ext.x2 + COLUMN_GAP, 0, 1);
    }
  }

  /**
   * One column of new nodes, centred on row y0, starting at x0 on `side`: right there when a few rows up or down
   * are free; otherwise on the first clear shelf further out, past everything drawn in the rows it needs.
   */
  private placeColumn(items: Footprint[], x0: number, y0: number, side: 1 | -1): void {
    const widest = Math.max(...items.map((f) => f.bodyW));
    const at = (x: number, shift: number): Spot[] =>
      items.map((_, i): Spot => ({ x, y: y0 + shift + (i - (items.length - 1) / 2) * ROW, side }));
    const tryAt = (spots: Spot[]): boolean => {
      if (!this.fits(items.flatMap((f, i) => footprintBoxes(f, spots[i])))) return false;
      items.forEach((f, i) => this.put(f, spots[i]));
      return true;
    };
    for (let k = 0; k <= 2 * NEAR_ROWS; k++) {
      const shift = (k % 2 === 0 ? 1 : -1) * Math.ceil(k / 2) * ROW;
      if (tryAt(at(x0 + side * (widest / 2), shift))) return;
    }
    const half = ((items.length - 1) / 2) * ROW + ROW;
    let edge = x0;
    for (const boxes of this.occupied.values()) {
      for (const b of boxes) {
        if (b.y2 < y0 - half || b.y1 > y0 + half) continue;
        if (side > 0 && b.x2 > edge) edge = b.x2;
        if (side < 0 && b.x1 < edge) edge = b.x1;
      }
    }
    if (tryAt(at(edge + side * (COLUMN_GAP + widest / 2), 0))) return;
    // Cannot happen (nothing is past the shelf in those rows), but never lose a node: below everything drawn.
    const ext = this.extent() ?? { x1: 0, y1: 0, x2: 0, y2: 0 };
    items.forEach((f, i) => this.put(f, { x: x0 + side * (widest / 2), y: ext.y2 + ROW * (i + 1), side }));
  }

  /** More of the centre's ring: each new node one row past the end of the shortest ring column, where free. */
  private extendRing(items: Footprint[]): void {
    if (!this.ring.length) {
      this.placeColumn(items, Math.max(120, (this.extent()?.x2 ?? 0) + COLUMN_GAP), 0, 1);
      return;
    }
    for (const f of items) {
      // the shortest column first, the first placed on a tie
      const order = [...this.ring.keys()].sort((a, b) => this.ring[a].count - this.ring[b].count || a - b);
      let placed = false;
      for (const i of order) {
        const col = this.ring[i];
        for (let r = 1; r <= 4 * SEARCH_ROWS && !placed; r++) {
          const s: Spot = { x: col.x, y: col.bottom + r * ROW, side: col.side };
          if (this.fits(footprintBoxes(f, s))) {
            this.put(f, s);
            col.bottom = s.y;
            col.count += 1;
            placed = true;
          }
        }
        if (placed) break;
      }
      if (!placed) this.placeFree([f]);
    }
  }
}
