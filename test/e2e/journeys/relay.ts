// Journey 3: a JSON-RPC client gets a quorum answer from the relay gateway for both methods; with
// one relay node stopped it still does; with two it fails fast with the quorum error.
import { createHash } from "node:crypto";
import {
  decryptWithEnclaveKey,
  devKey,
  type JsonObject,
  METHOD_CAPABILITY_EXECUTE,
  METHOD_SECRETS_GET,
  publicKeyHex,
  putSecret,
  signDevAttestation,
} from "@gatehouse/relay";
import { createLogger, createRedis } from "@gatehouse/service";
import { waitFor } from "@gatehouse/testkit";
import { beforeAll, describe, expect, it } from "@jest/globals";
import type { E2E } from "../support/context.js";

export function relayJourney(e2e: () => E2E): void {
  describe("journey 3: a JSON-RPC client and the relay DON (N = 4, F = 1, quorum 2F+1)", () => {
    const enclaveKey = devKey("dev-enclave");
    const enclavePub = publicKeyHex(enclaveKey).replace(/^0x/, "");
    const owner = `0x${"e2".repeat(20)}`;

    async function rpc(method: string, params: JsonObject) {
      const res = await fetch(e2e().stack.endpoints("relay-gateway").jsonrpc as string, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: createHash("sha256").update(String(Math.random())).digest("hex").slice(0, 16),
          method,
          params,
        }),
      });
      return { status: res.status, body: (await res.json()) as { result?: JsonObject; error?: { code: number; message: string } } };
    }
    const base = () => ({ workflow_id: "wf-e2e", owner, execution_id: createHash("sha256").update(String(Math.random())).digest("hex") });
    function secretsGet(): Promise<Awaited<ReturnType<typeof rpc>>> {
      const params: JsonObject = { ...base(), secrets: [{ key: "db", namespace: "main" }], enclave_public_key: enclavePub };
      return rpc(METHOD_SECRETS_GET, { ...params, attestation: signDevAttestation(enclaveKey, METHOD_SECRETS_GET, params) });
    }
    function capability(payload: string): Promise<Awaited<ReturnType<typeof rpc>>> {
      const params: JsonObject = {
        ...base(),
        reference_id: "e2e",
        capability_id: "hash",
        payload: Buffer.from(payload).toString("base64"),
      };
      return rpc(METHOD_CAPABILITY_EXECUTE, { ...params, attestation: signDevAttestation(enclaveKey, METHOD_CAPABILITY_EXECUTE, params) });
    }
    async function bothAnswer(): Promise<void> {
      const secret = await secretsGet();
      expect(secret.status).toBe(200);
      const secrets = secret.body.result?.secrets as Array<{ ciphertext: string }> | undefined;
      const ciphertext = secrets?.[0]?.ciphertext ?? "";
      expect(Buffer.from(decryptWithEnclaveKey(enclaveKey, ciphertext)).toString()).toBe("e2e-secret");
      const hashed = await capability("abc");
      expect([hashed.status, hashed.body.result]).toEqual([200, { payload: createHash("sha256").update("abc").digest("base64") }]);
    }

    beforeAll(async () => {
      const { stack } = e2e();
      const redis = createRedis(
        { url: stack.redisUrl, key_prefix: stack.namespace.redisPrefix },
        createLogger({ service: "e2e", instanceId: "e2e", level: "fatal" }),
        "e2e-relay",
      );
      await putSecret(redis, owner, { namespace: "main", key: "db" }, Buffer.from("e2e-secret"), enclavePub);
      await redis.quit();
    });

    it("answers both methods by quorum, still with one node stopped, and fails fast with two", async () => {
      const { stack } = e2e();
      await bothAnswer();

      await stack.process("relay-node-3").stop();
      await bothAnswer();

      await stack.process("relay-node-2").stop();
      for (const call of [secretsGet, () => capability("abc")]) {
        const started = Date.now();
        const answer = await call();
        expect([answer.status, answer.body.error?.message]).toEqual([200, "failed to forward user request to nodes"]);
        expect(Date.now() - started).toBeLessThan(2_000);
      }

      for (const name of ["relay-node-2", "relay-node-3"]) stack.process(name).start();
      await Promise.all(["relay-node-2", "relay-node-3"].map((name) => stack.waitReady(name)));
      await waitFor(async () => (await capability("again")).body.result !== undefined, { timeoutMs: 15_000, description: "quorum again" });
      await bothAnswer();
    }, 60_000);
  });
}
