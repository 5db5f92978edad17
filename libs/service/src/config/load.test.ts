import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "@jest/globals";
import { z } from "zod";
import { ConfigError, loadConfig, redactConfig } from "./load.js";
import { natsConfig, opsConfig } from "./schema.js";

const schema = z.strictObject({
  ...opsConfig({ httpAddr: "127.0.0.1:8082", grpcAddr: "127.0.0.1:9082" }),
  nats: natsConfig,
  mode: z.enum(["shadow", "observe", "inline"]),
  initial_difficulty: z.number().positive().default(1),
  auth: z.strictObject({ mode: z.enum(["allowlist", "open"]), allowlist: z.array(z.string()).default([]) }).prefault({ mode: "allowlist" }),
});

function file(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), "gh-config-")), "config.toml");
  writeFileSync(path, text);
  return path;
}

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig", () => {
  it("applies defaults, the file, then environment overrides", () => {
    const config = loadConfig(schema, {
      service: "miner-edge",
      file: file('mode = "observe"\ninitial_difficulty = 2.5\n[auth]\nmode = "allowlist"\nallowlist = ["a"]\n'),
      env: { GH_MINER_EDGE_MODE: "inline", GH_MINER_EDGE_NATS_URL: "nats://10.0.0.1:4222", GH_MINER_EDGE_AUTH_ALLOWLIST: '["x", "y"]' },
    });
    expect(config.mode).toBe("inline");
    expect(config.initial_difficulty).toBe(2.5);
    expect(config.nats.url).toBe("nats://10.0.0.1:4222");
    expect(config.nats.subject_root).toBe("gh");
    expect(config.auth.allowlist).toEqual(["x", "y"]);
    expect(config.http_addr).toBe("127.0.0.1:8082");
  });

  it("parses non-text environment values as TOML and keeps text values verbatim", () => {
    const config = loadConfig(schema, {
      service: "miner-edge",
      env: { GH_MINER_EDGE_MODE: "shadow", GH_MINER_EDGE_INITIAL_DIFFICULTY: "1e3", GH_MINER_EDGE_HTTP_API_KEY: "12345" },
    });
    expect(config.initial_difficulty).toBe(1000);
    expect(config.http_api_key).toBe("12345");
  });

  it("reports every problem on its own line, naming the environment variable it came from", () => {
    const lines = problems(() =>
      loadConfig(schema, {
        service: "miner-edge",
        file: file('mode = "fast"\nbogus = 1\nhttp_addr = "nowhere"\n'),
        env: { GH_MINER_EDGE_INITIAL_DIFFICULTY: "-1", GH_MINER_EDGE_TYPO: "1" },
      }),
    );
    expect(lines).toEqual(
      expect.arrayContaining([
        "GH_MINER_EDGE_TYPO: no config key of miner-edge is named so",
        expect.stringMatching(/^mode: .*"shadow"/),
        expect.stringMatching(/^initial_difficulty: .*\(from GH_MINER_EDGE_INITIAL_DIFFICULTY\)$/),
        "http_addr: must be host:port",
        expect.stringMatching(/Unrecognized key.*bogus/),
      ]),
    );
    expect(lines).toHaveLength(5);
  });

  it("rejects a file that is not TOML with its first error line", () => {
    expect(problems(() => loadConfig(schema, { service: "miner-edge", file: file("mode = = 1"), env: {} }))[0]).toMatch(
      /^config file .*config\.toml: /,
    );
  });

  it("ignores other services' variables and the config path variable", () => {
    const config = loadConfig(schema, {
      service: "miner-edge",
      env: { GH_MINER_EDGE_MODE: "observe", GH_MINER_EDGE_CONFIG: "/x.toml", GH_TEMPLATE_VERIFIER_BOGUS: "1" },
    });
    expect(config.mode).toBe("observe");
  });
});

describe("redactConfig", () => {
  it("replaces secrets, lists of secrets included, and leaves the rest", () => {
    expect(
      redactConfig({ http_api_key: "k", share_upstream_secrets: ["a", "b"], nats: { password: "p", url: "u" }, empty_secret: "" }),
    ).toEqual({
      http_api_key: "[redacted]",
      share_upstream_secrets: ["[redacted]", "[redacted]"],
      nats: { password: "[redacted]", url: "u" },
      empty_secret: "",
    });
  });

  it("redacts the key of a secret given as a table and keeps its limits readable", () => {
    const signers = [`0x${"1".repeat(40)}`];
    expect(redactConfig({ api: { api_keys: ["plain-key", { key: "scoped-key", signers }] } })).toEqual({
      api: { api_keys: ["[redacted]", { key: "[redacted]", signers }] },
    });
  });
});
