// The orchestrator path's load: lanes of SDK clients (libs/sdk GatewayClient), each running
// rounds of work → direct score → close epoch on an epoch of its own, one workflow after another,
// as an agent would: a submission that meets a dead orchestrator is sent again once it answers
// (the orchestrator dedupes it on its natural key), and waitForCompletion is resumed the same way.
import type { Bus } from "@gatehouse/bus";
import type { Stack } from "@gatehouse/dev";
import { WorkflowEventSchema } from "@gatehouse/proto/workflow/v1";
import {
  GatewayClient,
  GatewayConnectionError,
  GatewayError,
  GatewayTimeoutError,
  ScoreSubmissionMode,
  WorkflowFailedError,
  type WorkflowStatus,
} from "@gatehouse/sdk";
import { waitFor } from "@gatehouse/testkit";
import { type Address, type Hex, keccak256, stringToHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { ANVIL_KEYS } from "../../../services/orchestrator/src/chain/anvil.js";
import { Activity } from "./activity.js";

export type Kind = "work" | "score" | "close";

export interface WorkflowRecord {
  id: string;
  kind: Kind;
  epoch: number;
  dataHash: Hex;
  submittedAt: number;
  /** POSTs it took to get the workflow's id (more than one when the orchestrator was down). */
  submissions: number;
  state: "RUNNING" | "COMPLETED" | "FAILED" | "UNFINISHED";
  error?: string;
  final?: WorkflowStatus;
}

/** One work item on an epoch of its own, scored and closed. */
export interface Round {
  epoch: number;
  dataHash: Hex;
  worker: Address;
  validator: Address;
  workflows: Partial<Record<Kind, WorkflowRecord>>;
}

export interface WorkflowLoadOptions {
  /** [worker, validator] anvil account indexes per lane; account 0 (the contracts' owner) closes epochs. */
  lanes: [number, number][];
  /** How long a workflow may take from submission to COMPLETED before it counts as unfinished. */
  completionDeadlineMs: number;
}

const SCORES = [8500, 9000, 7000, 8000, 9500];
const account = (index: number) => privateKeyToAccount(ANVIL_KEYS[index] as Hex).address;

export class WorkflowLoad {
  readonly rounds: Round[] = [];
  readonly completions = new Activity("a workflow COMPLETED");
  /** A workflow entered a step that waits on a transaction it broadcast (the moment to kill the orchestrator). */
  readonly broadcasts = new Activity("a workflow waiting on its transaction");
  /** What the clients met on the way: connection refused, 503 while shutting down, request timeouts. */
  readonly clientErrors: Record<string, number> = {};
  /** One client per orchestrator replica; lane i calls replica i mod n (as a load balancer would). */
  readonly #clients: GatewayClient[];
  readonly #studio: Address;
  readonly #owner = account(0);
  readonly #lanes: Promise<void>[];
  #nextEpoch = 1;
  #stopping = false;

  constructor(
    private readonly stack: Stack,
    bus: Bus,
    private readonly options: WorkflowLoadOptions,
  ) {
    this.#clients = stack
      .instances("orchestrator")
      .map((name) => new GatewayClient({ baseUrl: stack.endpoints(name).rest as string, pollInterval: 250, timeoutMs: 10_000 }));
    this.#studio = stack.deployment.studioProxy as Address;
    bus.subscribe(bus.subjects.workflowEvent, WorkflowEventSchema, (e) => {
      if (e.step.startsWith("AWAIT_") && e.step !== "AWAIT_ARWEAVE_CONFIRM") this.broadcasts.mark();
    });
    this.#lanes = options.lanes.map(([worker, validator], i) =>
      this.#lane(account(worker), account(validator), this.#clients[i % this.#clients.length] as GatewayClient),
    );
  }

  get records(): WorkflowRecord[] {
    return this.rounds.flatMap((r) => Object.values(r.workflows));
  }

  async #lane(worker: Address, validator: Address, client: GatewayClient): Promise<void> {
    while (!this.#stopping) {
      const epoch = this.#nextEpoch++;
      const dataHash = keccak256(stringToHex(`${this.stack.namespace.subjectRoot}-chaos-${epoch}`));
      const round: Round = { epoch, dataHash, worker, validator, workflows: {} };
      this.rounds.push(round);
      const evidence = ["a", "b", "c"].map((id, i) => ({
        arweave_tx_id: `chaos-${epoch}-${id}`,
        author: worker,
        timestamp: i + 1,
        parent_ids: i === 0 ? [] : [`chaos-${epoch}-${["a", "b"][i - 1]}`],
        payload_hash: keccak256(stringToHex(`chaos-${epoch}-${id}`)),
        artifact_ids: [],
        signature: `0x${"00".repeat(65)}`,
      }));
      const steps: [Kind, () => Promise<WorkflowStatus>][] = [
        [
          "work",
          () =>
            client.submitWork(this.#studio, epoch, worker, dataHash, "", "", `chaos evidence ${epoch}`, worker, {
              dkgEvidence: evidence,
            }),
        ],
        [
          "score",
          () =>
            client.submitScore(this.#studio, epoch, validator, dataHash, SCORES, validator, {
              workerAddress: worker,
              mode: ScoreSubmissionMode.DIRECT,
            }),
        ],
        ["close", () => client.closeEpoch(this.#studio, epoch, this.#owner)],
      ];
      for (const [kind, submit] of steps) {
        // Stopping ends the lane between workflows; a score or close depends on the one before.
        if (this.#stopping) return;
        const record = await this.#run(client, round, kind, submit);
        if (record.state !== "COMPLETED") break;
      }
    }
  }

  async #run(client: GatewayClient, round: Round, kind: Kind, submit: () => Promise<WorkflowStatus>): Promise<WorkflowRecord> {
    const submittedAt = Date.now();
    const deadline = submittedAt + this.options.completionDeadlineMs;
    let submissions = 0;
    let started: WorkflowStatus | undefined;
    while (!started) {
      submissions += 1;
      try {
        started = await submit();
      } catch (err) {
        await this.#afterTransientError(client, err, deadline);
      }
    }
    const record: WorkflowRecord = {
      id: started.workflowId,
      kind,
      epoch: round.epoch,
      dataHash: round.dataHash,
      submittedAt,
      submissions,
      state: "RUNNING",
    };
    round.workflows[kind] = record;
    for (;;) {
      try {
        record.final = await client.waitForCompletion(record.id, { maxWait: Math.max(1, deadline - Date.now()) });
        record.state = "COMPLETED";
        this.completions.mark();
        return record;
      } catch (err) {
        if (err instanceof WorkflowFailedError) {
          record.state = "FAILED";
          record.error = `${err.workflowError.code}: ${err.workflowError.message}`;
          return record;
        }
        if (err instanceof GatewayTimeoutError && err.workflowId === record.id) {
          record.state = "UNFINISHED";
          record.error = err.message;
          return record;
        }
        try {
          await this.#afterTransientError(client, err, deadline);
        } catch (fatal) {
          record.state = "UNFINISHED";
          record.error = (fatal as Error).message;
          return record;
        }
      }
    }
  }

  /** Counts a transient failure and waits for the orchestrator to answer again; rethrows anything else. */
  async #afterTransientError(client: GatewayClient, err: unknown, deadline: number): Promise<void> {
    const transient =
      err instanceof GatewayConnectionError || err instanceof GatewayTimeoutError || (err instanceof GatewayError && err.retryable);
    if (!transient || Date.now() > deadline) throw err;
    const key =
      err instanceof GatewayConnectionError ? "connection refused" : `${err.name} ${(err as GatewayError).statusCode ?? ""}`.trim();
    this.clientErrors[key] = (this.clientErrors[key] ?? 0) + 1;
    await waitFor(() => client.isHealthy(), {
      timeoutMs: Math.max(1, deadline - Date.now()),
      intervalMs: 200,
      description: "the orchestrator answering again",
    });
  }

  /** Starts no new workflow and waits for those already submitted to finish. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await Promise.all(this.#lanes);
  }
}
