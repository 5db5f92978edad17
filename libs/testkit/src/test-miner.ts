import { u256FromLE } from "@gatehouse/bitcoin";
import { ChannelWork, headerFor, headerHash, type Job, type Tip } from "@gatehouse/loadgen";
import { waitFor } from "@gatehouse/service";
import { type AnyMessage, type MessageFields, type MessageName, Sv2Client, type Sv2ClientOptions } from "@gatehouse/sv2";
import { MiningError } from "./errors.js";

type Of<N extends MessageName> = MessageFields<N>;
export type TestShare = Of<"SubmitSharesStandard"> & { extranonce?: Uint8Array };

/**
 * A step-by-step test miner on libs/sv2's client: keeps every message it receives, follows its
 * last channel's jobs, tip and target with the load generator's ChannelWork, and mines real shares.
 */
export class TestMiner {
  readonly received: AnyMessage[] = [];
  ended: unknown;
  #cursor = 0;
  /** The last opened channel's work state. */
  work: ChannelWork | undefined;
  #sequence = 0;
  /** Each search continues where the last stopped, so two searches never return the same share. */
  #nonce = 0;

  private constructor(readonly client: Sv2Client) {
    void (async () => {
      try {
        for await (const m of client.messages()) {
          this.received.push(m);
          this.work?.apply(m);
        }
        this.ended = "closed";
      } catch (err) {
        this.ended = err;
      }
    })();
  }

  /** `options` adjust the client, e.g. `channelBit: "omit"` to frame as sv2-tp does. */
  static async connect(endpoint: string, authority: string | undefined, options: Partial<Sv2ClientOptions> = {}): Promise<TestMiner> {
    const url = new URL(endpoint);
    return new TestMiner(
      await Sv2Client.connect({
        host: url.hostname,
        port: Number(url.port),
        authorityPublicKey: authority,
        plaintext: authority === undefined,
        requestTimeoutMs: 5000,
        ...options,
      }),
    );
  }

  get channelId(): number {
    return this.work?.channelId ?? 0;
  }

  get target(): bigint {
    return this.work?.target ?? 0n;
  }

  get job(): Job | undefined {
    return this.work?.activeJob;
  }

  get tip(): Tip | undefined {
    return this.work?.tip;
  }

  /** Follows the new channel, including what arrived for it before this resolved. */
  #follow(work: ChannelWork): void {
    for (const m of this.received) work.apply(m);
    this.work = work;
  }

  async open(user: string): Promise<Of<"OpenStandardMiningChannelSuccess">> {
    const ok = await this.client.openStandardChannel({
      userIdentity: user,
      nominalHashRate: 1e6,
      maxTarget: new Uint8Array(32).fill(0xff),
    });
    this.#follow(new ChannelWork(ok.channelId, u256FromLE(ok.target)));
    return ok;
  }

  async openExtended(user: string, minExtranonceSize: number): Promise<Of<"OpenExtendedMiningChannelSuccess">> {
    const ok = await this.client.openExtendedChannel({
      userIdentity: user,
      nominalHashRate: 1e6,
      maxTarget: new Uint8Array(32).fill(0xff),
      minExtranonceSize,
    });
    this.#follow(new ChannelWork(ok.channelId, u256FromLE(ok.target), { prefix: ok.extranoncePrefix, size: ok.extranonceSize }));
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

  /** Searches nonces on the active job (or `job`) until `accept(hash)`; returns the submission. */
  mine(accept: (hash: bigint) => boolean, overrides: Partial<TestShare> = {}, job = this.job): TestShare {
    const work = this.work?.work(job);
    if (!work) throw new MiningError("no-active-job", "no active job");
    const version = overrides.version ?? work.version;
    const ntime = overrides.ntime ?? work.ntime;
    const header = headerFor({ ...work, version, ntime });
    for (let tries = 0; tries < 50_000_000; tries++) {
      const nonce = this.#nonce++ >>> 0;
      if (accept(u256FromLE(headerHash(header, nonce)))) {
        const share = { channelId: this.channelId, sequenceNumber: ++this.#sequence, jobId: work.jobId, nonce, ntime, version };
        return { ...share, ...(work.extranonce.length > 0 ? { extranonce: work.extranonce } : {}), ...overrides };
      }
    }
    throw new MiningError("no-nonce", "no nonce found");
  }

  /** Submits (extended when the share has an extranonce) and returns the edge's answer to exactly this sequence number. */
  async submit(
    share: TestShare,
  ): Promise<{ ok: true; success: Of<"SubmitSharesSuccess"> } | { ok: false; error: Of<"SubmitSharesError"> }> {
    const { extranonce, ...standard } = share;
    if (extranonce) await this.client.connection.send("SubmitSharesExtended", { ...standard, extranonce });
    else await this.client.submitShare(standard);
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
