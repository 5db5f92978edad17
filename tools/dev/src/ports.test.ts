import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "@jest/globals";
import { loadDevConfigs, repositoryRoot } from "./configs.js";
import { PlanError } from "./errors.js";
import { portSlots, SERVICES } from "./layout.js";
import { DEFAULT_RELAY_NODES } from "./plan.js";
import { blockCollisions, freePorts, PORT_BLOCK, STACK_BLOCKS, shiftedPorts } from "./ports.js";

const slots = ["a", "b", "c", "d"].map((id, i) => ({ id, host: "127.0.0.1", devPort: 8080 + i }));

describe("port choice", () => {
  it("shifts every development port by a multiple of the port block and refuses what is not a port", () => {
    expect(shiftedPorts(slots, 2_000)).toEqual({ a: 10_080, b: 10_081, c: 10_082, d: 10_083 });
    expect(() => shiftedPorts(slots, 1_000)).toThrow(PlanError);
    expect(() => shiftedPorts(slots, 1_000)).toThrow("--ports-offset 1000 is not a multiple of 2000");
    expect(() => shiftedPorts(slots, 18_000)).toThrow("is not a multiple of 2000 below 18000");
  });

  it("the stacks of make dev never share a port: every block against every other, the README's second stack included", () => {
    const root = repositoryRoot();
    const dev = portSlots(loadDevConfigs(root), SERVICES, DEFAULT_RELAY_NODES);
    // 1,000 was the documented step: it put the second stack's ops ports on the first one's gRPC ports.
    expect(() => shiftedPorts(dev, 1_000)).toThrow(/not a multiple of 2000/);
    // Every block against every other, with one process per service and with two (replicas at +20000).
    const replicated = portSlots(loadDevConfigs(root), SERVICES, DEFAULT_RELAY_NODES, 2);
    for (let offset = 0; offset < STACK_BLOCKS * PORT_BLOCK; offset += PORT_BLOCK) {
      expect(blockCollisions(dev, offset)).toEqual([]);
      expect(blockCollisions(replicated, offset)).toEqual([]);
    }
    const readme = readFileSync(join(root, "README.md"), "utf8");
    const documented = [...readme.matchAll(/--ports-offset (\d+)/g)].map((m) => Number(m[1]));
    expect(documented.length).toBeGreaterThan(0);
    for (const offset of documented) expect(() => shiftedPorts(dev, offset)).not.toThrow();
  });

  it("finds a slot set that would collide across blocks (and within itself) before anything starts", () => {
    const wide = [
      { id: "x/ops", host: "127.0.0.1", devPort: 8_000 },
      { id: "x/grpc", host: "127.0.0.1", devPort: 10_000 },
    ];
    expect(blockCollisions(wide, 2_000)).toContain("10000: x/ops here and x/grpc of the stack at offset 0");
    expect(() => shiftedPorts(wide, 2_000)).toThrow(PlanError);
    expect(() => shiftedPorts(wide, 2_000)).toThrow("would share ports");
    const twice = [...wide, { id: "y/ops", host: "127.0.0.1", devPort: 8_000 }];
    expect(blockCollisions(twice, 0)).toContain("8000: x/ops and y/ops");
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
