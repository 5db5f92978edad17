import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import {
  decryptWithEnclaveKey,
  devKey,
  isAddress,
  type JsonObject,
  METHOD_CAPABILITY_EXECUTE,
  METHOD_SECRETS_GET,
  parsePrivateKey,
  publicKeyHex,
  putSecret,
  signDevAttestation,
} from "@gatehouse/relay";
import { createLogger, createRedis } from "@gatehouse/service";
import type { Command } from "commander";
import { UsageError } from "../usage.js";

interface EnclaveOptions {
  enclaveKey?: string;
  enclaveSeed: string;
}

/** The enclave key the CLI acts as: an explicit key, or the development key of a seed (default "dev-enclave"). */
function enclaveKey(options: EnclaveOptions): Uint8Array {
  return options.enclaveKey ? parsePrivateKey(options.enclaveKey) : devKey(options.enclaveSeed);
}

function enclaveOptions(command: Command): Command {
  return command
    .option("--enclave-key <hex>", "enclave private key (default: the development key of --enclave-seed)", process.env.GH_RELAY_ENCLAVE_KEY)
    .option("--enclave-seed <seed>", "seed of the development enclave key", "dev-enclave");
}

/** The --owner address, lower-cased; UsageError unless it is an EVM address (libs/relay isAddress). */
export function requireAddress(owner: string): string {
  if (!isAddress(owner)) throw new UsageError(`--owner must be a 0x-prefixed 20-byte hex address, got ${owner}`);
  return owner.toLowerCase();
}

export function registerRelay(program: Command): void {
  const relay = program
    .command("relay")
    .description("confidential relay: store secrets for an owner, send JSON-RPC requests as an enclave");

  enclaveOptions(
    relay
      .command("put-secret")
      .description("encrypt a secret for the enclave key and store it in Redis where relay nodes read it")
      .requiredOption("--owner <address>", "owner address")
      .requiredOption("--key <key>", "secret key")
      .option("--namespace <ns>", "secret namespace", "main")
      .option("--value <text>", "secret value (or --value-file)")
      .option("--value-file <path>", "read the secret value from a file")
      .option("--enclave-public-key <hex>", "encrypt for this public key instead of the CLI's enclave key")
      .option("--redis <url>", "Redis URL", process.env.GH_REDIS_URL ?? "redis://127.0.0.1:6379")
      .option("--redis-prefix <prefix>", "key prefix the relay nodes use", "gh:"),
  ).action(
    async (
      options: EnclaveOptions & {
        owner: string;
        key: string;
        namespace: string;
        value?: string;
        valueFile?: string;
        enclavePublicKey?: string;
        redis: string;
        redisPrefix: string;
      },
    ) => {
      const owner = requireAddress(options.owner);
      if ((options.value === undefined) === (options.valueFile === undefined))
        throw new UsageError("give exactly one of --value and --value-file");
      const value = options.valueFile ? readFileSync(options.valueFile) : Buffer.from(options.value ?? "", "utf8");
      const publicKey = (options.enclavePublicKey ?? publicKeyHex(enclaveKey(options))).replace(/^0x/, "");
      const redis = createRedis(
        { url: options.redis, key_prefix: options.redisPrefix },
        createLogger({ service: "cli", instanceId: "cli", level: "error" }),
        "gatehouse-relay",
      );
      try {
        await putSecret(redis, owner, { namespace: options.namespace, key: options.key }, value, publicKey);
      } finally {
        await redis.quit();
      }
      process.stdout.write(`stored ${options.namespace}/${options.key} for ${owner} (encrypted for ${publicKey.slice(0, 16)}…)\n`);
    },
  );

  enclaveOptions(
    relay
      .command("send")
      .description("send a JSON-RPC request to relay-gateway with a development attestation, and print the answer")
      .argument("<method>", "secrets.get or capability.execute (the confidential. prefix is optional)")
      .option("--url <url>", "relay-gateway JSON-RPC endpoint", "http://127.0.0.1:5002/")
      .option("--token <token>", "bearer token (auth.mode tokens)", process.env.GH_RELAY_TOKEN)
      .option("--id <id>", "JSON-RPC id (default: random)")
      .option("--owner <address>", "owner address", `0x${"00".repeat(19)}01`)
      .option("--workflow-id <id>", "workflow id", "cli-workflow")
      .option("--secret <namespace/key...>", "secrets to fetch (secrets.get)")
      .option("--capability <id>", "capability id (capability.execute)", "echo")
      .option("--payload <text>", "capability input (UTF-8; sent base64)", "")
      .option("--decrypt", "decrypt returned secrets with the enclave key"),
  ).action(
    async (
      methodArg: string,
      options: EnclaveOptions & {
        url: string;
        token?: string;
        id?: string;
        owner: string;
        workflowId: string;
        secret?: string[];
        capability: string;
        payload: string;
        decrypt?: boolean;
      },
    ) => {
      const method = methodArg.startsWith("confidential.") ? methodArg : `confidential.${methodArg}`;
      const key = enclaveKey(options);
      const base: JsonObject = {
        workflow_id: options.workflowId,
        owner: requireAddress(options.owner),
        execution_id: randomBytes(32).toString("hex"),
      };
      let params: JsonObject;
      if (method === METHOD_SECRETS_GET) {
        const secrets = (options.secret ?? []).map((s) => {
          const [namespace, ...rest] = s.includes("/") ? s.split("/") : ["main", s];
          return { namespace, key: rest.join("/") };
        });
        if (secrets.length === 0) throw new UsageError("secrets.get needs at least one --secret namespace/key");
        params = { ...base, secrets, enclave_public_key: publicKeyHex(key) };
        params.attestation = signDevAttestation(key, METHOD_SECRETS_GET, params);
      } else if (method === METHOD_CAPABILITY_EXECUTE) {
        params = {
          ...base,
          reference_id: "cli",
          capability_id: options.capability,
          payload: Buffer.from(options.payload, "utf8").toString("base64"),
        };
        params.attestation = signDevAttestation(key, METHOD_CAPABILITY_EXECUTE, params);
      } else {
        throw new UsageError(`unknown relay method ${methodArg}`);
      }
      const response = await fetch(options.url, {
        method: "POST",
        headers: { "content-type": "application/json", ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) },
        body: JSON.stringify({ jsonrpc: "2.0", id: options.id ?? randomBytes(8).toString("hex"), method, params }),
      });
      const body = (await response.json()) as { result?: { secrets?: Array<{ id: unknown; ciphertext: string; plaintext?: string }> } };
      if (options.decrypt && body.result?.secrets) {
        for (const s of body.result.secrets) s.plaintext = Buffer.from(decryptWithEnclaveKey(key, s.ciphertext)).toString("utf8");
      }
      process.stdout.write(`HTTP ${response.status}\n${JSON.stringify(body, null, 2)}\n`);
      if (!response.ok) process.exitCode = 1;
    },
  );
}
