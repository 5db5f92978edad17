import { describe, expect, it } from "@jest/globals";
import { SequenceSlots } from "./sequence-slots.js";

describe("SequenceSlots", () => {
  it("gives sequential ids and takes each value back once", () => {
    const slots = new SequenceSlots<string>(4);
    expect([slots.add("a"), slots.add("b"), slots.add("c")]).toEqual([0, 1, 2]);
    expect(slots.size).toBe(3);
    expect(slots.take(1)).toBe("b");
    expect(slots.take(1)).toBeUndefined();
    expect(slots.take(7)).toBeUndefined();
    expect(slots.take(-1)).toBeUndefined();
    expect(slots.take(Number.NaN)).toBeUndefined();
    expect(slots.size).toBe(2);
  });

  it("reuses emptied slots without growing, and does not confuse an id with one a capacity apart", () => {
    const slots = new SequenceSlots<number>(4);
    for (let id = 0; id < 100; id++) {
      expect(slots.add(id)).toBe(id);
      if (id >= 2) expect(slots.take(id - 2)).toBe(id - 2);
    }
    expect(slots.capacity).toBe(4);
    // 96 sat in 98's slot; it left long ago.
    expect(slots.take(96)).toBeUndefined();
    expect(slots.take(98)).toBe(98);
  });

  it("grows when a slot is still held by a value added a capacity earlier, keeping every value", () => {
    const slots = new SequenceSlots<number>(4);
    for (let id = 0; id < 4; id++) slots.add(id);
    for (const id of [1, 2, 3]) slots.take(id);
    // 0 is still held: 4 would land on it.
    for (let id = 4; id < 20; id++) slots.add(id);
    expect(slots.capacity).toBeGreaterThanOrEqual(32);
    expect(slots.size).toBe(17);
    expect(slots.take(0)).toBe(0);
    for (let id = 4; id < 20; id++) expect(slots.take(id)).toBe(id);
    expect(slots.size).toBe(0);
  });

  it("takes every value a predicate picks and leaves the rest", () => {
    const slots = new SequenceSlots<{ deadline: number }>(8);
    const ids = [5, 1, 9, 3].map((deadline) => slots.add({ deadline }));
    const gone = slots.takeWhere((w) => w.deadline <= 4);
    expect(gone.map((w) => w.deadline).sort()).toEqual([1, 3]);
    expect(slots.size).toBe(2);
    expect(slots.take(ids[0] as number)).toEqual({ deadline: 5 });
    expect(slots.take(ids[1] as number)).toBeUndefined();
    expect(slots.takeWhere(() => true)).toEqual([{ deadline: 9 }]);
    expect(slots.size).toBe(0);
  });

  it("matches a Map over random adds and takes", () => {
    let seed = 5;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const slots = new SequenceSlots<number>(2);
    const model = new Map<number, number>();
    for (let step = 0; step < 5000; step++) {
      if (random() < 0.55 || model.size === 0) {
        const id = slots.add(step);
        model.set(id, step);
      } else {
        const keys = [...model.keys()];
        const id = keys[Math.floor(random() * keys.length)] as number;
        expect(slots.take(id)).toBe(model.get(id));
        model.delete(id);
      }
      expect(slots.size).toBe(model.size);
    }
    for (const [id, value] of model) expect(slots.take(id)).toBe(value);
  });
});
