import { getEventListeners } from "node:events";
import { describe, expect, it } from "@jest/globals";
import { sleep } from "./sleep.js";

describe("sleep", () => {
  it("resolves true after the time and leaves no listener on the signal, however often it is called", async () => {
    const controller = new AbortController();
    for (let i = 0; i < 20; i++) expect(await sleep(1, controller.signal)).toBe(true);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
  });

  it("resolves false as soon as the signal aborts, and at once on an aborted signal", async () => {
    const controller = new AbortController();
    const pending = sleep(60_000, controller.signal);
    controller.abort();
    expect(await pending).toBe(false);
    expect(await sleep(60_000, controller.signal)).toBe(false);
  });
});
