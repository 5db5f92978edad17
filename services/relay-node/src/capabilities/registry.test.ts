import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { InvariantError } from "@gatehouse/service";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { CapabilityFailedError, CapabilityRegistry, echoCapability, httpCapability } from "./registry.js";

describe("CapabilityRegistry", () => {
  it("refuses a second capability under the same id", () => {
    const registry = new CapabilityRegistry().register("echo", echoCapability);
    expect(() => registry.register("echo", echoCapability)).toThrow(InvariantError);
    expect(registry.ids()).toEqual(["echo"]);
  });
});

describe("httpCapability", () => {
  // Answers the status named by the request body, with a body of the requested length.
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const [status, length] = Buffer.concat(chunks).toString().split(" ").map(Number);
      res.writeHead(status ?? 500);
      res.end("y".repeat(length ?? 0));
    });
  });
  let url = "";
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const run = (body: string) => httpCapability(url, 5_000, 8)(Buffer.from(body), new AbortController().signal);

  it("returns the endpoint's body", async () => {
    expect(Buffer.from(await run("200 8")).toString()).toBe("yyyyyyyy");
  });
  it("fails with CapabilityFailedError on an error status or an answer over the limit", async () => {
    await expect(run("502 0")).rejects.toThrow(CapabilityFailedError);
    await expect(run("502 0")).rejects.toThrow("http capability answered 502");
    await expect(run("200 9")).rejects.toThrow(CapabilityFailedError);
  });
});
