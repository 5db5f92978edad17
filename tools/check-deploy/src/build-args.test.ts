import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "@jest/globals";
import { BuildArgsError, buildArgs } from "./build-args.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

describe("buildArgs", () => {
  const compose = readFileSync(join(root, "docker-compose.yml"), "utf8");

  it("gives each service of docker-compose.yml its SERVICE, OPS_PORT and PORTS", () => {
    const args = buildArgs(compose, "miner-edge");
    expect(args).toContain("--build-arg=SERVICE=miner-edge");
    expect(args.some((a) => a.startsWith("--build-arg=OPS_PORT="))).toBe(true);
    expect(args.some((a) => a.startsWith("--build-arg=PORTS="))).toBe(true);
  });

  it("names a service the file does not have, or one without build arguments", () => {
    expect(() => buildArgs(compose, "no-such-service")).toThrow(BuildArgsError);
    expect(() => buildArgs("services:\n  x:\n    image: y\n", "x")).toThrow(/no build.args/);
  });
});
