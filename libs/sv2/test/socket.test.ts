import { randomBytes } from "node:crypto";
import { type AddressInfo, connect, createServer, type Server, type Socket } from "node:net";
import {
  type AnyMessage,
  acceptNoise,
  encodeAuthorityPublicKey,
  encodeFrame,
  isSv2Error,
  issueServerIdentity,
  type MessageName,
  NoiseInitiator,
  plainConnection,
  randomSecretKey,
  Sv2Client,
  type Sv2Connection,
  type Sv2ConnectionOptions,
  Sv2Error,
  xOnlyPublicKey,
} from "@gatehouse/sv2";
import { waitFor } from "@gatehouse/testkit";
import { afterEach, describe, expect, it } from "@jest/globals";

const authoritySecret = randomSecretKey();
const authority = xOnlyPublicKey(authoritySecret);
const identity = issueServerIdentity({
  authoritySecretKey: authoritySecret,
  nowSeconds: Math.floor(Date.now() / 1000),
  validitySeconds: 3600,
});

interface TestServer {
  port: number;
  accepted: Promise<Sv2Connection>[];
  sockets: Socket[];
  server: Server;
}

const servers: TestServer[] = [];

async function listen(options: Sv2ConnectionOptions & { handshakeTimeoutMs?: number } = {}): Promise<TestServer> {
  const accepted: Promise<Sv2Connection>[] = [];
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    const p = acceptNoise(socket, { identity, ...options });
    p.catch(() => {}); // observed by the tests that expect a failure
    accepted.push(p);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const s = { port: (server.address() as AddressInfo).port, accepted, sockets, server };
  servers.push(s);
  return s;
}

afterEach(async () => {
  for (const s of servers.splice(0)) {
    for (const socket of s.sockets) socket.destroy();
    await new Promise((resolve) => s.server.close(resolve));
  }
});

async function failureOf(p: Promise<unknown>): Promise<Sv2Error> {
  try {
    await p;
  } catch (err) {
    if (isSv2Error(err)) return err;
    throw err;
  }
  throw new Error("expected a failure");
}

async function collect(connection: Sv2Connection, n: number): Promise<AnyMessage[]> {
  const out: AnyMessage[] = [];
  if (n === 0) return out;
  for await (const m of connection.messages()) {
    out.push(m);
    if (out.length === n) break;
  }
  return out;
}

describe("SV2 over TCP", () => {
  it("a client completes the handshake, sets up, opens a channel and submits a share", async () => {
    const srv = await listen();
    const client = await Sv2Client.connect({ host: "127.0.0.1", port: srv.port, authorityPublicKey: encodeAuthorityPublicKey(authority) });
    const server = await (srv.accepted[0] as Promise<Sv2Connection>);
    expect(server.handshakeHash).toEqual(client.connection.handshakeHash);
    expect(client.connection.remoteStaticXOnly).toEqual(identity.staticKey.xOnly);

    const serving = (async () => {
      const seen: AnyMessage[] = [];
      for await (const m of server.messages()) {
        seen.push(m);
        if (m.type === "SetupConnection") await server.send("SetupConnectionSuccess", { usedVersion: 2, flags: 0 });
        if (m.type === "OpenStandardMiningChannel") {
          await server.send("OpenStandardMiningChannelSuccess", {
            requestId: m.message.requestId,
            channelId: 7,
            target: new Uint8Array(32).fill(0xff),
            extranoncePrefix: Uint8Array.of(1, 2, 3, 4),
            groupChannelId: 0,
          });
          await server.send("NewMiningJob", {
            channelId: 7,
            jobId: 1,
            minNtime: undefined,
            version: 0x20000000,
            merkleRoot: new Uint8Array(32),
          });
        }
        if (m.type === "SubmitSharesStandard") {
          await server.send("SubmitSharesSuccess", {
            channelId: 7,
            lastSequenceNumber: m.message.sequenceNumber,
            newSubmitsAcceptedCount: 1,
            newSharesSum: 1n,
          });
        }
      }
      return seen;
    })();

    expect(await client.setupConnection({ flags: 1 })).toEqual({ usedVersion: 2, flags: 0 });
    const channel = await client.openStandardChannel({
      userIdentity: "rig-01",
      nominalHashRate: 1e12,
      maxTarget: new Uint8Array(32).fill(0xff),
    });
    expect(channel.channelId).toBe(7);
    await client.submitShare({ channelId: 7, sequenceNumber: 9, jobId: 1, nonce: 42, ntime: 1_700_000_000, version: 0x20000000 });
    const iterator = client.messages();
    expect((await iterator.next()).value).toMatchObject({ type: "NewMiningJob", message: { jobId: 1 } });
    expect((await iterator.next()).value).toMatchObject({ type: "SubmitSharesSuccess", message: { lastSequenceNumber: 9 } });
    await client.close();
    const seen = await serving;
    expect(seen.map((m) => m.type)).toEqual(["SetupConnection", "OpenStandardMiningChannel", "SubmitSharesStandard"]);
  });

  it("rejects a server whose certificate is not from the expected authority", async () => {
    const srv = await listen();
    const err = await failureOf(
      Sv2Client.connect({ host: "127.0.0.1", port: srv.port, authorityPublicKey: xOnlyPublicKey(randomSecretKey()) }),
    );
    expect(err.reason).toBe("certificate_invalid");
  });

  it("drops a peer that does not finish the handshake by the deadline", async () => {
    const srv = await listen({ handshakeTimeoutMs: 300 });
    const silent = connect({ host: "127.0.0.1", port: srv.port });
    const closed = new Promise((resolve) => silent.once("close", resolve));
    silent.write(randomBytes(20)); // part of act 1, then nothing
    await waitFor(() => srv.accepted.length === 1, { timeoutMs: 2000, description: "connection accepted" });
    const started = Date.now();
    expect((await failureOf(srv.accepted[0] as Promise<Sv2Connection>)).reason).toBe("handshake_timeout");
    expect(Date.now() - started).toBeLessThan(2000);
    await closed;
  });

  it("a peer that closes mid-handshake yields connection_closed, not a hang", async () => {
    const srv = await listen();
    const s = connect({ host: "127.0.0.1", port: srv.port });
    s.end(randomBytes(30));
    await waitFor(() => srv.accepted.length === 1, { timeoutMs: 2000, description: "connection accepted" });
    expect((await failureOf(srv.accepted[0] as Promise<Sv2Connection>)).reason).toBe("connection_closed");
  });

  it("garbage after the handshake fails the connection with decrypt_failed", async () => {
    const srv = await listen();
    const client = await Sv2Client.connect({ host: "127.0.0.1", port: srv.port, authorityPublicKey: authority });
    const server = await (srv.accepted[0] as Promise<Sv2Connection>);
    // Reach under the client to write raw bytes, as a broken or hostile peer would.
    (client.connection as unknown as { socket: Socket }).socket.write(randomBytes(100));
    expect((await failureOf(collect(server, 1))).reason).toBe("decrypt_failed");
    expect(server.isClosed).toBe(true);
  });

  it("enforces the maximum frame size", async () => {
    const srv = await listen({ maxPayloadBytes: 1000 });
    const client = await Sv2Client.connect({ host: "127.0.0.1", port: srv.port, authorityPublicKey: authority });
    const server = await (srv.accepted[0] as Promise<Sv2Connection>);
    await client.connection.send("SubmitSolution", {
      templateId: 1n,
      version: 1,
      headerTimestamp: 2,
      headerNonce: 3,
      coinbaseTx: new Uint8Array(900),
    });
    await client.connection.send("SubmitSolution", {
      templateId: 2n,
      version: 1,
      headerTimestamp: 2,
      headerNonce: 3,
      coinbaseTx: new Uint8Array(2000),
    });
    const iterator = server.messages();
    expect((await iterator.next()).value).toMatchObject({ type: "SubmitSolution", message: { templateId: 1n } });
    expect((await failureOf(iterator.next())).reason).toBe("frame_too_large");
  });

  it("stops reading while the consumer lags and delivers everything in order afterwards", async () => {
    const srv = await listen({ maxQueuedMessages: 16 });
    const client = await Sv2Client.connect({ host: "127.0.0.1", port: srv.port, authorityPublicKey: authority });
    const server = await (srv.accepted[0] as Promise<Sv2Connection>);
    const total = 20_000;
    const sending = (async () => {
      for (let i = 0; i < total; i++)
        await client.submitShare({ channelId: 1, sequenceNumber: i, jobId: 1, nonce: i, ntime: 0, version: 0 });
    })();
    await waitFor(() => server.readPaused && server.queuedMessages === 16, {
      timeoutMs: 10_000,
      description: "server paused with a full queue",
    });
    expect(server.queuedMessages).toBe(16);
    const received = await collect(server, total);
    await sending;
    expect(received.map((m) => (m.type === "SubmitSharesStandard" ? m.message.sequenceNumber : -1))).toEqual(
      Array.from({ length: total }, (_, i) => i),
    );
    await client.close();
  });

  it("surfaces SetupConnection.Error and OpenMiningChannel.Error as setup_rejected, and a silent server as request_timeout", async () => {
    const srv = await listen();
    const client = await Sv2Client.connect({ host: "127.0.0.1", port: srv.port, authorityPublicKey: authority, requestTimeoutMs: 300 });
    const server = await (srv.accepted[0] as Promise<Sv2Connection>);
    const serving = (async () => {
      for await (const m of server.messages()) {
        if (m.type === "SetupConnection" && m.message.flags === 4) {
          await server.send("SetupConnectionError", { flags: 4, errorCode: "unsupported-feature-flags" });
        }
        if (m.type === "OpenStandardMiningChannel" && m.message.userIdentity === "nobody") {
          await server.send("OpenMiningChannelError", { requestId: m.message.requestId, errorCode: "unknown-user" });
        }
      }
    })();
    const setup = await failureOf(client.setupConnection({ flags: 4 }));
    expect(setup.reason).toBe("setup_rejected");
    expect(setup.message).toContain("unsupported-feature-flags");
    const open = await failureOf(client.openStandardChannel({ userIdentity: "nobody", nominalHashRate: 1, maxTarget: new Uint8Array(32) }));
    expect(open.message).toContain("unknown-user");
    const silent = await failureOf(
      client.openStandardChannel({ userIdentity: "ignored", nominalHashRate: 1, maxTarget: new Uint8Array(32) }),
    );
    expect(silent.reason).toBe("request_timeout");
    await client.close();
    await serving;
  });

  it("many unawaited sends share one drain wait and all arrive", async () => {
    const srv = await listen();
    const client = await Sv2Client.connect({ host: "127.0.0.1", port: srv.port, authorityPublicKey: authority });
    const server = await (srv.accepted[0] as Promise<Sv2Connection>);
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on("warning", onWarning);
    const total = 5000;
    const sends = Array.from({ length: total }, (_, i) =>
      client.connection.send("SubmitSolution", {
        templateId: BigInt(i),
        version: 1,
        headerTimestamp: 2,
        headerNonce: 3,
        coinbaseTx: new Uint8Array(500),
      }),
    );
    const received = await collect(server, total);
    await Promise.all(sends);
    process.off("warning", onWarning);
    expect(received).toHaveLength(total);
    expect(warnings.filter((w) => w.name === "MaxListenersExceededWarning")).toEqual([]);
    await client.close();
  });

  it("frames sent in one turn leave in one socket write, in order; a frame in a later turn in its own", async () => {
    type SpiedSocket = Socket & { _write: (...a: unknown[]) => void; _writev: (chunks: unknown[], ...a: unknown[]) => void };
    const sockets: SpiedSocket[] = [];
    const plain = createServer((socket) => sockets.push(socket as SpiedSocket));
    await new Promise<void>((resolve) => plain.listen(0, "127.0.0.1", resolve));
    const peerSocket = connect((plain.address() as AddressInfo).port, "127.0.0.1");
    try {
      const socket = await waitFor(() => sockets[0]);
      const writes: number[] = [];
      const write = socket._write.bind(socket);
      const writev = socket._writev.bind(socket);
      socket._write = (...a) => {
        writes.push(1);
        write(...a);
      };
      socket._writev = (chunks, ...rest) => {
        writes.push(chunks.length);
        writev(chunks, ...rest);
      };
      const server = plainConnection(socket);
      const peer = plainConnection(peerSocket);
      const success = (sequenceNumber: number) => ({
        channelId: 1,
        lastSequenceNumber: sequenceNumber,
        newSubmitsAcceptedCount: 1,
        newSharesSum: 1n,
      });
      // Awaiting a send is a microtask: 1..3 and (still in the same turn) 4 would share the write.
      await Promise.all([1, 2, 3].map((n) => server.send("SubmitSharesSuccess", success(n))));
      await new Promise<void>((resolve) => setImmediate(resolve));
      await server.send("SubmitSharesSuccess", success(4));
      const received = await collect(peer, 4);
      expect(received.map((m) => (m.type === "SubmitSharesSuccess" ? m.message.lastSequenceNumber : -1))).toEqual([1, 2, 3, 4]);
      expect(writes).toEqual([3, 1]);
      await Promise.all([server.close(), peer.close()]);
    } finally {
      peerSocket.destroy();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => plain.close(resolve));
    }
  });

  it("a frame sent in the same turn as an abort still reaches the peer before the connection ends", async () => {
    const accepted: Sv2Connection[] = [];
    const plain = createServer((socket) => accepted.push(plainConnection(socket)));
    await new Promise<void>((resolve) => plain.listen(0, "127.0.0.1", resolve));
    const peer = plainConnection(connect((plain.address() as AddressInfo).port, "127.0.0.1"));
    try {
      const server = await waitFor(() => accepted[0]);
      void server.send("SetupConnectionError", { flags: 0, errorCode: "protocol-version-mismatch" }).catch(() => undefined);
      server.abort(new Sv2Error("connection_closed", "refused"));
      const received: AnyMessage[] = [];
      for await (const m of peer.messages()) received.push(m);
      expect(received.map((m) => (m.type === "SetupConnectionError" ? m.message.errorCode : m.type))).toEqual([
        "protocol-version-mismatch",
      ]);
    } finally {
      peer.abort(new Sv2Error("connection_closed", "test over"));
      await new Promise((resolve) => plain.close(resolve));
    }
  });

  it("opens an extended channel, and a client that never reads fails with receive_queue_full, not unbounded memory", async () => {
    const srv = await listen();
    const client = await Sv2Client.connect({ host: "127.0.0.1", port: srv.port, authorityPublicKey: authority, maxQueuedMessages: 8 });
    const server = await (srv.accepted[0] as Promise<Sv2Connection>);
    const serving = (async () => {
      for await (const m of server.messages()) {
        if (m.type !== "OpenExtendedMiningChannel") continue;
        await server.send("OpenExtendedMiningChannelSuccess", {
          requestId: m.message.requestId,
          channelId: 3,
          target: new Uint8Array(32).fill(0xff),
          extranonceSize: m.message.minExtranonceSize,
          extranoncePrefix: Uint8Array.of(9),
          groupChannelId: 0,
        });
        for (let i = 0; i < 20; i++) await server.send("SetTarget", { channelId: 3, maximumTarget: new Uint8Array(32).fill(i) });
      }
    })().catch(() => undefined);
    const channel = await client.openExtendedChannel({
      userIdentity: "rig",
      nominalHashRate: 1e12,
      maxTarget: new Uint8Array(32).fill(0xff),
      minExtranonceSize: 8,
    });
    expect(channel).toMatchObject({ channelId: 3, extranonceSize: 8 });
    await waitFor(() => client.connection.isClosed, { timeoutMs: 5000, description: "client gave up on its unread queue" });
    const seen: AnyMessage[] = [];
    const failure = await failureOf(
      (async () => {
        for await (const m of client.messages()) seen.push(m);
      })(),
    );
    expect(failure.reason).toBe("receive_queue_full");
    expect(seen).toHaveLength(8);
    await serving;
  });

  it("fails a connection whose peer stops reading: flooding sends hit send_buffer_full, a waiting send hits write_stalled", async () => {
    const srv = await listen({ maxQueuedMessages: 4 });
    const flooding = await Sv2Client.connect({
      host: "127.0.0.1",
      port: srv.port,
      authorityPublicKey: authority,
      maxWriteBufferBytes: 256 * 1024,
    });
    const payload = new Uint8Array(60_000);
    const sends = Array.from({ length: 400 }, (_, i) =>
      flooding.connection.send("SubmitSolution", {
        templateId: BigInt(i),
        version: 1,
        headerTimestamp: 2,
        headerNonce: 3,
        coinbaseTx: payload,
      }),
    );
    const results = await Promise.allSettled(sends);
    const reasons = new Set(results.flatMap((r) => (r.status === "rejected" && isSv2Error(r.reason) ? [r.reason.reason] : [])));
    expect(reasons.has("send_buffer_full")).toBe(true);
    expect(flooding.connection.isClosed).toBe(true);

    const patient = await Sv2Client.connect({ host: "127.0.0.1", port: srv.port, authorityPublicKey: authority, writeStallTimeoutMs: 300 });
    const stalled = await failureOf(
      (async () => {
        for (let i = 0; i < 1000; i++) {
          await patient.connection.send("SubmitSolution", {
            templateId: BigInt(i),
            version: 1,
            headerTimestamp: 2,
            headerNonce: 3,
            coinbaseTx: payload,
          });
        }
      })(),
    );
    expect(stalled.reason).toBe("write_stalled");
    expect(patient.connection.isClosed).toBe(true);
  });

  it("a peer that sends act 1 and vanishes ends the server's stream instead of hanging it", async () => {
    const srv = await listen();
    const raw = connect({ host: "127.0.0.1", port: srv.port });
    await new Promise((resolve) => raw.once("connect", resolve));
    raw.end(new NoiseInitiator({ authorityPublicKey: undefined }).start());
    await waitFor(() => srv.accepted.length === 1, { timeoutMs: 2000, description: "connection accepted" });
    const outcome = await (srv.accepted[0] as Promise<Sv2Connection>).then(
      async (connection) => {
        const messages: AnyMessage[] = [];
        try {
          for await (const m of connection.messages()) messages.push(m);
        } catch (err) {
          if (!isSv2Error(err)) throw err;
        }
        return { closed: connection.isClosed, messages: messages.length };
      },
      (err: unknown) => ({ closed: isSv2Error(err, "connection_closed"), messages: 0 }),
    );
    expect(outcome).toEqual({ closed: true, messages: 0 });
  }, 5000);

  it("a refused TCP connect is a typed connection_closed", async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const err = await failureOf(Sv2Client.connect({ host: "127.0.0.1", port, authorityPublicKey: authority }));
    expect(err.reason).toBe("connection_closed");
  });

  it("a client gives up on a server that accepts TCP but never answers act 1", async () => {
    const held: Socket[] = [];
    const mute = createServer((socket) => held.push(socket));
    await new Promise<void>((resolve) => mute.listen(0, "127.0.0.1", resolve));
    try {
      const started = Date.now();
      const err = await failureOf(
        Sv2Client.connect({
          host: "127.0.0.1",
          port: (mute.address() as AddressInfo).port,
          authorityPublicKey: authority,
          handshakeTimeoutMs: 300,
        }),
      );
      expect(err.reason).toBe("handshake_timeout");
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise((resolve) => mute.close(resolve));
    }
  });

  it("a client framing as sv2-tp does (no channel bit) is understood, and the server counts each difference", async () => {
    const differences: MessageName[] = [];
    const srv = await listen({ onChannelBitDiffers: (m) => differences.push(m) });
    const client = await Sv2Client.connect({
      host: "127.0.0.1",
      port: srv.port,
      authorityPublicKey: encodeAuthorityPublicKey(authority),
      channelBit: "omit",
    });
    const server = await (srv.accepted[0] as Promise<Sv2Connection>);
    const share = { channelId: 7, sequenceNumber: 1, jobId: 1, nonce: 42, ntime: 1_700_000_000, version: 0x20000000 };
    await client.submitShare(share);
    await client.connection.send("SetupConnectionSuccess", { usedVersion: 2, flags: 0 });
    expect(await collect(server, 2)).toEqual([
      { type: "SubmitSharesStandard", message: share },
      { type: "SetupConnectionSuccess", message: { usedVersion: 2, flags: 0 } },
    ]);
    expect(differences).toEqual(["SubmitSharesStandard"]);
    expect(server.channelBitDifferences).toBe(1);
    await client.close();
  });

  it("receivingFrame is true exactly while part of a frame has arrived", async () => {
    const accepted: Sv2Connection[] = [];
    const plain = createServer((socket) => accepted.push(plainConnection(socket)));
    await new Promise<void>((resolve) => plain.listen(0, "127.0.0.1", resolve));
    const socket = connect((plain.address() as AddressInfo).port, "127.0.0.1");
    try {
      const server = await waitFor(() => accepted[0]);
      expect(server.receivingFrame).toBe(false);
      const frame = encodeFrame("SetupConnectionSuccess", { usedVersion: 2, flags: 0 });
      socket.write(frame.subarray(0, 3));
      await waitFor(() => server.receivingFrame || undefined, { description: "half a header received" });
      socket.write(frame.subarray(3, 8));
      socket.write(frame.subarray(8));
      expect(await collect(server, 1)).toEqual([{ type: "SetupConnectionSuccess", message: { usedVersion: 2, flags: 0 } }]);
      expect(server.receivingFrame).toBe(false);
      // Whole frames and the start of the next: partial again.
      socket.write(Buffer.concat([frame, frame.subarray(0, 7)]));
      await waitFor(() => server.receivingFrame || undefined, { description: "the next frame begun" });
    } finally {
      socket.destroy();
      await Promise.all(accepted.map((c) => c.close()));
      await new Promise((resolve) => plain.close(resolve));
    }
  });

  it("plaintext (no Noise) when both sides choose it: frames round-trip unencrypted, the size limit still holds", async () => {
    const accepted: Sv2Connection[] = [];
    const raw: Buffer[] = [];
    const plain = createServer((socket) => {
      socket.on("data", (chunk: Buffer) => raw.push(chunk));
      accepted.push(plainConnection(socket, { maxPayloadBytes: 512 }));
    });
    await new Promise<void>((resolve) => plain.listen(0, "127.0.0.1", resolve));
    try {
      const port = (plain.address() as AddressInfo).port;
      const client = await Sv2Client.connect({ host: "127.0.0.1", port, authorityPublicKey: undefined, plaintext: true });
      expect(client.connection.encrypted).toBe(false);
      const server = await waitFor(() => accepted[0]);
      const replying = (async () => {
        for await (const m of server.messages()) {
          if (m.type === "SetupConnection") await server.send("SetupConnectionSuccess", { usedVersion: 2, flags: 0 });
        }
      })().catch((err: unknown) => err);
      expect(await client.setupConnection({ vendor: "plain-vendor" })).toEqual({ usedVersion: 2, flags: 0 });
      // The vendor string travels as cleartext: nothing was encrypted.
      expect(Buffer.concat(raw).includes("plain-vendor")).toBe(true);
      await client
        .setupConnection({ vendor: "v".repeat(255), firmware: "f".repeat(255), deviceId: "d".repeat(255) })
        .catch(() => undefined);
      const failure = await replying;
      expect(isSv2Error(failure, "frame_too_large")).toBe(true);
      await client.close();
    } finally {
      await Promise.all(accepted.map((c) => c.close()));
      await new Promise((resolve) => plain.close(resolve));
    }
  });
});
