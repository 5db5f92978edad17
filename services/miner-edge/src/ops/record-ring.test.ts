import { describe, expect, it } from "@jest/globals";
import { RecordRing } from "./record-ring.js";

/** A record of `length` bytes, each byte `n`. */
const rec = (n: number, length: number) => new Uint8Array(length).fill(n);

/** The held records, newest first, as [first byte, length]. */
function held(ring: RecordRing): [number, number][] {
  const out: [number, number][] = [];
  for (let age = 0; age < ring.size; age++) {
    const bytes = ring.copy(ring.slotOf(age));
    out.push([bytes[0] ?? -1, bytes.length]);
  }
  return out;
}

describe("RecordRing", () => {
  it("keeps the newest `capacity` records, newest first, each slot its own while held", () => {
    const ring = new RecordRing(3, 64);
    const slots = [1, 2, 3, 4].map((n) => ring.push(rec(n, 5)));
    expect(held(ring)).toEqual([
      [4, 5],
      [3, 5],
      [2, 5],
    ]);
    expect(ring.size).toBe(3);
    // The fourth record took the first one's slot; the others kept theirs.
    expect(slots[3]).toBe(slots[0]);
    expect(new Set(slots.slice(0, 3)).size).toBe(3);
    expect(ring.slotOf(0)).toBe(slots[3]);
    expect(ring.slotOf(2)).toBe(slots[1]);
  });

  it("reuses the bytes of dropped records across the buffer's end without corrupting held ones", () => {
    const ring = new RecordRing(4, 40);
    // Lengths that do not divide the buffer: records wrap to the start at different offsets.
    const lengths = [7, 9, 3, 11, 5, 8, 1, 10, 6, 4, 9, 2];
    lengths.forEach((length, n) => {
      ring.push(rec(n + 1, length));
      const expected = lengths
        .slice(0, n + 1)
        .map((l, i): [number, number] => [i + 1, l])
        .slice(-4)
        .reverse();
      expect(held(ring)).toEqual(expected);
    });
    // 4 records of at most 11 bytes fit in 40: it never had to grow.
    expect(ring.bufferBytes).toBe(40);
  });

  it("grows instead of dropping a record when the newest `capacity` no longer fit", () => {
    const ring = new RecordRing(3, 16);
    ring.push(rec(1, 10));
    ring.push(rec(2, 10));
    ring.push(rec(3, 30));
    expect(held(ring)).toEqual([
      [3, 30],
      [2, 10],
      [1, 10],
    ]);
    expect(ring.bufferBytes).toBeGreaterThanOrEqual(50);
    ring.push(rec(4, 2));
    expect(held(ring)).toEqual([
      [4, 2],
      [3, 30],
      [2, 10],
    ]);
  });

  it("returns copies: a record read out survives later pushes over its bytes", () => {
    const ring = new RecordRing(1, 8);
    ring.push(rec(1, 8));
    const first = ring.copy(ring.slotOf(0));
    ring.push(rec(2, 8));
    expect(first).toEqual(rec(1, 8));
    expect(held(ring)).toEqual([[2, 8]]);
  });

  it("holds empty records and refuses ages it does not hold", () => {
    const ring = new RecordRing(2, 4);
    ring.push(new Uint8Array(0));
    ring.push(rec(7, 4));
    expect(held(ring)).toEqual([
      [7, 4],
      [-1, 0],
    ]);
    expect(() => ring.slotOf(2)).toThrow(RangeError);
    expect(() => new RecordRing(0, 4)).toThrow(RangeError);
  });

  it("matches a list of the newest records over many pushes of random lengths", () => {
    let seed = 17;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const ring = new RecordRing(5, 16);
    const model: Uint8Array[] = [];
    for (let n = 0; n < 3000; n++) {
      const record = Uint8Array.from({ length: Math.floor(random() * 50) }, (_, i) => (n * 7 + i) % 256);
      ring.push(record);
      model.push(record);
      if (model.length > 5) model.shift();
      const kept = Array.from({ length: ring.size }, (_, age) => ring.copy(ring.slotOf(age)));
      expect(kept).toEqual([...model].reverse());
    }
    // Bounded by what 5 records of < 50 bytes need, not by the number pushed.
    expect(ring.bufferBytes).toBeLessThanOrEqual(512);
  });
});
