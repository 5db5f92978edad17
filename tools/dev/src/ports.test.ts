import { createServer } from "node:net";
import { describe, expect, it } from "@jest/globals";
import { freePorts, shiftedPorts } from "./ports.js";

const slots = ["a", "b", "c", "d"].map((id, i) => ({ id, host: "127.0.0.1", devPort: 8080 + i }));

describe("port choice", () => {
  it("shifts every development port by the offset and refuses what is not a port", () => {
    expect(shiftedPorts(slots, 1000)).toEqual({ a: 9080, b: 9081, c: 9082, d: 9083 });
    expect(() => shiftedPorts(slots, 60_000)).toThrow("is not a port");
  });

  it("gives test stacks distinct ports below the ephemeral range, free to listen on", async () => {
    const ports = Object.values(await freePorts(slots));
    expect(new Set(ports).size).toBe(slots.length);
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(20_000);
      expect(port).toBeLessThan(32_768);
      const server = createServer();
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, "127.0.0.1", resolve);
      });
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
