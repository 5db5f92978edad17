import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "@jest/globals";
import { composeProblems, configArgument, hostPath } from "./compose.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

describe("compose service configuration", () => {
  it("finds the --config argument of a command", () => {
    expect(configArgument(["--config", "services/x/config/dev.toml"])).toBe("services/x/config/dev.toml");
    expect(configArgument(["--check-config"])).toBeUndefined();
    expect(configArgument(undefined)).toBeUndefined();
  });

  it("reads a --config file from the bind mount that holds it, else from the repository", () => {
    const volumes = ["/srv/secrets:/run/gatehouse:ro", "data:/var/lib/x:rw", { type: "bind", source: "/srv/other", target: "/etc/other/" }];
    expect(hostPath("/repo", volumes, "/run/gatehouse/relay-node.toml")).toBe("/srv/secrets/relay-node.toml");
    expect(hostPath("/repo", volumes, "/etc/other/a/b.toml")).toBe("/srv/other/a/b.toml");
    expect(hostPath("/repo", volumes, "/run/gatehouse-not/x.toml")).toBe("/run/gatehouse-not/x.toml");
    expect(hostPath("/repo", volumes, "services/x/config/dev.toml")).toBe("/repo/services/x/config/dev.toml");
    expect(hostPath("/repo", undefined, "/var/lib/x/y.toml")).toBe("/var/lib/x/y.toml");
  });

  // Needs `make build` (the services' dist), like make check-deploy itself.
  it("reports keys the service's schema refuses and unsafe settings without their flag", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "gh-compose-")), "compose.yml");
    const edge = (environment: Record<string, string>) =>
      `services:\n  miner-edge:\n    image: x\n    environment:\n${Object.entries(environment)
        .map(([k, v]) => `      ${k}: "${v}"\n`)
        .join("")}`;
    writeFileSync(file, edge({ GH_MINER_EDGE_MODE: "sideways", GH_MINER_EDGE_NATS_URLL: "nats://x:4222" }));
    const invalid = await composeProblems(root, [file], ["miner-edge"]);
    expect(invalid.some((p) => p.includes("miner-edge: mode"))).toBe(true);
    expect(invalid.some((p) => p.includes("GH_MINER_EDGE_NATS_URLL"))).toBe(true);

    writeFileSync(file, edge({ GH_MINER_EDGE_AUTH_MODE: "open" }));
    expect(await composeProblems(root, [file], ["miner-edge"])).toEqual([
      `${file} miner-edge: unsafe configuration: auth.mode = open lets any worker identity mine (set GH_GATEWAY_ALLOW_OPEN_AUTH=1 to allow)`,
    ]);
    writeFileSync(file, edge({ GH_MINER_EDGE_AUTH_MODE: "open", GH_GATEWAY_ALLOW_OPEN_AUTH: "1" }));
    expect(await composeProblems(root, [file], ["miner-edge"])).toEqual([]);
    expect(await composeProblems(root, [file], ["miner-edge", "relay-node"])).toEqual([`relay-node: not in ${file}`]);
  });
});
