// readObject against a real JetStream object store: whole objects across chunks, absent ones,
// and the read that cannot finish because its chunks never come (nats.js's getBlob waits for ever).
import { randomBytes } from "node:crypto";
import { natsUrl, testNamespace, waitFor } from "@gatehouse/testkit";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { Bus, ensureObjectStore, ObjectReadTimeoutError, type ObjectStore, readObject } from "../src/index.js";

const ns = testNamespace("busobj");
const bucket = `${ns.streamPrefix}OBJECTS`;
const stream = `OBJ_${bucket}`;
let bus: Bus;
let store: ObjectStore;

beforeAll(async () => {
  bus = await Bus.connect({ servers: natsUrl(), name: "bus-objects-test", subjectRoot: ns.subjectRoot });
  store = await ensureObjectStore(bus, { bucket, description: "readObject test", ttlMs: 600_000, storage: "memory" });
});

afterAll(async () => {
  await (await bus.jsm()).streams.delete(stream).catch(() => undefined);
  await bus.close();
});

/** The object's chunks removed from the stream, its metadata left: what a read finds whose chunks are not there. */
async function dropChunks(name: string): Promise<void> {
  const info = await store.info(name);
  if (!info) throw new Error(`no object ${name}`);
  await (await bus.jsm()).streams.purge(stream, { filter: `$O.${bucket}.C.${info.nuid}` });
}

/** Consumers of the bucket's stream that a client still receives on (nats.js's reads are ordered push consumers). */
async function subscribedConsumers(): Promise<number> {
  let n = 0;
  for await (const c of (await bus.jsm()).consumers.list(stream)) if (c.push_bound) n += 1;
  return n;
}

describe("readObject", () => {
  it("reads an object of several chunks whole, and null for a name the bucket does not have", async () => {
    // nats.js writes chunks of at most 128 KiB: this is four.
    const data = randomBytes(400 * 1024);
    await store.putBlob({ name: "several-chunks" }, data);
    const read = await readObject(store, "several-chunks", 5_000);
    expect(Buffer.from(read ?? []).equals(data)).toBe(true);
    expect(await readObject(store, "never-stored", 5_000)).toBeNull();
  });

  it("gives up at the deadline on a read whose chunks never come, and unsubscribes that read's consumer", async () => {
    await store.putBlob({ name: "chunks-gone" }, randomBytes(200 * 1024));
    await dropChunks("chunks-gone");
    const started = Date.now();
    const outcome = await readObject(store, "chunks-gone", 300).catch((err: unknown) => err);
    expect(outcome).toBeInstanceOf(ObjectReadTimeoutError);
    expect((outcome as Error).message).toBe("object chunks-gone not read within 300 ms");
    expect(Date.now() - started).toBeLessThan(3_000);
    // The abandoned read leaves no subscription behind (the server drops the consumer itself after
    // nats.js's five-minute inactive threshold, as after any read).
    await waitFor(async () => (await subscribedConsumers()) === 0, { timeoutMs: 10_000, description: "no consumer with a subscriber" });
    // The same name written again reads whole: nothing of the abandoned read is in the way.
    const data = randomBytes(1024);
    await store.putBlob({ name: "chunks-gone" }, data);
    expect(Buffer.from((await readObject(store, "chunks-gone", 5_000)) ?? []).equals(data)).toBe(true);
  });
});
