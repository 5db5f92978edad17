import { serializeHeader, sha256d, u256FromLE } from "@gatehouse/bitcoin";
import { type AnyMessage, type MessageFields, type MessageName, Sv2Client } from "@gatehouse/sv2";
import { waitFor } from "@gatehouse/testkit";

type Of<N extends MessageName> = MessageFields<N>;

/** A test miner on libs/sv2's client: keeps every unsolicited message and mines real shares. */
export class TestMiner {
  readonly received: AnyMessage[] = [];
  ended: unknown;
  #cursor = 0;
  job: Of<"NewMiningJob"> | undefined;
  tip: Of<"SetNewPrevHash"> | undefined;
  target = 0n;
  channelId = 0;
  #sequence = 0;
  /** Each search continues where the last stopped, so two searches never return the same share. */
  #nonce = 0;

  private constructor(readonly client: Sv2Client) {
    void (async () => {
      try {
        for await (const m of client.messages()) {
          this.received.push(m);
          if (m.type === "SetNewPrevHash") this.tip = m.message;
          if (m.type === "SetTarget") this.target = u256FromLE(m.message.maximumTarget);
          if (m.type === "NewMiningJob" && m.message.minNtime !== undefined) this.job = m.message;
          if (m.type === "SetNewPrevHash" && this.pendingFuture?.jobId === m.message.jobId) this.job = this.pendingFuture;
          if (m.type === "NewMiningJob" && m.message.minNtime === undefined) this.pendingFuture = m.message;
        }
        this.ended = "closed";
      } catch (err) {
        this.ended = err;
      }
    })();
  }

  pendingFuture: Of<"NewMiningJob"> | undefined;

  static async connect(endpoint: string, authority: string): Promise<TestMiner> {
    const url = new URL(endpoint);
    return new TestMiner(
      await Sv2Client.connect({ host: url.hostname, port: Number(url.port), authorityPublicKey: authority, requestTimeoutMs: 5000 }),
    );
  }

  async open(user: string): Promise<Of<"OpenStandardMiningChannelSuccess">> {
    const ok = await this.client.openStandardChannel({
      userIdentity: user,
      nominalHashRate: 1e6,
      maxTarget: new Uint8Array(32).fill(0xff),
    });
    this.channelId = ok.channelId;
    this.target = u256FromLE(ok.target);
    return ok;
  }

  /** The next message of `type` not yet taken, waiting for it. */
  async next<N extends MessageName>(type: N, timeoutMs = 5000): Promise<Of<N>> {
    return waitFor(
      () => {
        for (let i = this.#cursor; i < this.received.length; i++) {
          const m = this.received[i] as AnyMessage;
          if (m.type === type) {
            this.#cursor = i + 1;
            return m.message as Of<N>;
          }
        }
        return undefined;
      },
      { timeoutMs, description: `${type} from the edge` },
    );
  }

  /** Searches nonces on the current job until `accept(hash)`; returns the submission. */
  mine(accept: (hash: bigint) => boolean, overrides: Partial<Of<"SubmitSharesStandard">> = {}): Of<"SubmitSharesStandard"> {
    const job = this.job;
    const tip = this.tip;
    if (!job || !tip) throw new Error("no active job");
    const version = overrides.version ?? job.version;
    const ntime = overrides.ntime ?? tip.minNtime;
    for (let tries = 0; tries < 50_000_000; tries++) {
      const nonce = this.#nonce++ >>> 0;
      const header = serializeHeader({ version, prevHash: tip.prevHash, merkleRoot: job.merkleRoot, time: ntime, bits: tip.nbits, nonce });
      if (accept(u256FromLE(sha256d(header)))) {
        return { channelId: this.channelId, sequenceNumber: ++this.#sequence, jobId: job.jobId, nonce, ntime, version, ...overrides };
      }
    }
    throw new Error("no nonce found");
  }

  /** Submits and returns the edge's answer to exactly this sequence number. */
  async submit(
    share: Of<"SubmitSharesStandard">,
  ): Promise<{ ok: true; success: Of<"SubmitSharesSuccess"> } | { ok: false; error: Of<"SubmitSharesError"> }> {
    await this.client.submitShare(share);
    return waitFor(
      () => {
        for (const m of this.received) {
          if (m.type === "SubmitSharesSuccess" && m.message.lastSequenceNumber === share.sequenceNumber)
            return { ok: true as const, success: m.message };
          if (m.type === "SubmitSharesError" && m.message.sequenceNumber === share.sequenceNumber)
            return { ok: false as const, error: m.message };
        }
        return undefined;
      },
      { timeoutMs: 5000, description: `answer to share ${share.sequenceNumber}` },
    );
  }

  nextSequence(): number {
    return ++this.#sequence;
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
