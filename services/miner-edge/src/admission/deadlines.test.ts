import { describe, expect, it } from "@jest/globals";
import { ConnectionDeadlines } from "./deadlines.js";

const limits = { setupMs: 1000, channelMs: 3000, frameMs: 500 };

describe("ConnectionDeadlines", () => {
  it("owes SetupConnection first, then a channel, counted from the handshake's end", () => {
    const d = new ConnectionDeadlines(limits, 10_000);
    expect(d.next()).toEqual({ kind: "setup", at: 11_000 });
    expect(d.expired(10_999)).toBeUndefined();
    expect(d.expired(11_000)).toEqual({ kind: "setup", at: 11_000 });
    d.setupDone();
    expect(d.next()).toEqual({ kind: "channel", at: 13_000 });
    expect(d.expired(12_999)).toBeUndefined();
    expect(d.expired(13_000)?.kind).toBe("channel");
    d.channelOpened();
    expect(d.next()).toBeUndefined();
    expect(d.expired(1e12)).toBeUndefined();
  });

  it("bounds a frame from its first byte, however the bytes trickle in", () => {
    const d = new ConnectionDeadlines(limits, 0);
    d.setupDone();
    d.channelOpened();
    d.received(true, 0, 100);
    // A byte a second keeps arriving: the deadline stays where the frame began.
    d.received(true, 0, 400);
    expect(d.next()).toEqual({ kind: "frame", at: 600 });
    expect(d.expired(599)).toBeUndefined();
    expect(d.expired(600)?.kind).toBe("frame");
  });

  it("a completed frame clears the deadline; the next frame gets its own", () => {
    const d = new ConnectionDeadlines(limits, 0);
    d.setupDone();
    d.channelOpened();
    d.received(true, 0, 100);
    d.received(false, 1, 300);
    expect(d.next()).toBeUndefined();
    d.received(true, 1, 900);
    expect(d.next()).toEqual({ kind: "frame", at: 1400 });
    // One read completed that frame and began another: the new one starts now.
    d.received(true, 2, 1200);
    expect(d.next()).toEqual({ kind: "frame", at: 1700 });
  });

  it("reports the earliest of several pending deadlines", () => {
    const d = new ConnectionDeadlines({ setupMs: 1000, channelMs: 3000, frameMs: 200 }, 0);
    d.received(true, 0, 50);
    expect(d.next()).toEqual({ kind: "frame", at: 250 });
    d.received(false, 1, 100);
    expect(d.next()).toEqual({ kind: "setup", at: 1000 });
  });
});
