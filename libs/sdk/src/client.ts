import { type WorkStatus, ZERO_BYTES32 } from "./contract/index.js";
import { GatewayConnectionError, GatewayError, GatewayTimeoutError, InvalidRequestError, WorkflowFailedError } from "./errors.js";
import {
  type EvidencePackage,
  type GatewayClientConfig,
  type PendingWorkResponse,
  type RequestOptions,
  ScoreSubmissionMode,
  type WaitOptions,
  type WorkEvidenceResponse,
  type WorkflowResponse,
  type WorkflowState,
  type WorkflowStatus,
  type WorkflowType,
} from "./types.js";

function toStatus(w: WorkflowResponse): WorkflowStatus {
  const p = w.progress ?? {};
  return {
    workflowId: w.id,
    workflowType: w.type,
    state: w.state,
    step: w.step,
    createdAt: w.created_at,
    updatedAt: w.updated_at,
    progress: {
      arweaveTxId: p.arweave_tx_id as string | undefined,
      arweaveConfirmed: p.arweave_confirmed as boolean | undefined,
      onchainTxHash: p.onchain_tx_hash as string | undefined,
      onchainConfirmed: p.onchain_confirmed as boolean | undefined,
      onchainBlock: p.onchain_block as number | undefined,
      scoreTxHash: p.score_tx_hash as string | undefined,
      commitTxHash: p.commit_tx_hash as string | undefined,
      revealTxHash: p.reveal_tx_hash as string | undefined,
    },
    rawProgress: p,
    ...(w.error ? { error: w.error } : {}),
  };
}

/**
 * Client of the orchestrator's REST API with the ChaosChain TypeScript GatewayClient's method
 * names, bodies and errors.
 */
export class GatewayClient {
  readonly baseUrl: string;
  readonly #timeoutMs: number;
  readonly #maxPollTime: number;
  readonly #pollInterval: number;
  readonly #headers: Record<string, string>;

  constructor(config: GatewayClientConfig | string = {}) {
    const c = typeof config === "string" ? { baseUrl: config } : config;
    this.baseUrl = (c.baseUrl ?? c.gatewayUrl ?? "https://gateway.chaoscha.in").replace(/\/+$/, "");
    this.#timeoutMs = c.timeoutMs ?? 30_000;
    this.#maxPollTime = c.maxPollTime ?? 600_000;
    this.#pollInterval = c.pollInterval ?? 2_000;
    this.#headers = { ...c.headers, ...(c.auth?.apiKey ? { "X-API-Key": c.auth.apiKey } : {}) };
  }

  private async request<T>(method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = { ...this.#headers, accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (options.idempotencyKey) headers["Idempotency-Key"] = options.idempotencyKey;
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      if (e.name === "TimeoutError") throw new GatewayTimeoutError("timeout", `Request to ${path} timed out after ${this.#timeoutMs} ms`);
      throw new GatewayConnectionError(`Failed to connect to gateway at ${this.baseUrl}: ${e.cause?.code ?? e.message}`);
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    if (!response.ok) {
      const b = (parsed ?? {}) as { error?: unknown; message?: unknown };
      // Workflow routes answer {error: "<text>"}; the /v1 routes {version, error: {code, message}}.
      const envelope = typeof b.error === "object" && b.error !== null ? (b.error as { code?: unknown; message?: unknown }) : undefined;
      const detail =
        typeof b.error === "string"
          ? b.error
          : typeof envelope?.message === "string"
            ? `${envelope.code}: ${envelope.message}`
            : typeof b.message === "string"
              ? b.message
              : JSON.stringify(b.error ?? b.message ?? text);
      throw new GatewayError(`Gateway returned error: ${detail}`, { statusCode: response.status, response: parsed });
    }
    return parsed as T;
  }

  healthCheck(): Promise<{ status: string; timestamp?: number }> {
    return this.request("GET", "/health");
  }

  async isHealthy(): Promise<boolean> {
    try {
      return (await this.healthCheck()).status === "ok";
    } catch {
      return false;
    }
  }

  /**
   * POST /workflows/work-submission. Sends the legacy body (thread_root/evidence_root) like the
   * published client, or `dkg_evidence` when given (the gateway then computes the roots).
   */
  async submitWork(
    studioAddress: string,
    epoch: number,
    agentAddress: string,
    dataHash: string,
    threadRoot: string,
    evidenceRoot: string,
    evidenceContent: Uint8Array | string,
    signerAddress: string,
    options: RequestOptions & { dkgEvidence?: EvidencePackage[] } = {},
  ): Promise<WorkflowStatus> {
    const content =
      typeof evidenceContent === "string"
        ? Buffer.from(evidenceContent).toString("base64")
        : Buffer.from(evidenceContent).toString("base64");
    const body = {
      studio_address: studioAddress,
      epoch,
      agent_address: agentAddress,
      data_hash: dataHash,
      ...(options.dkgEvidence ? { dkg_evidence: options.dkgEvidence } : { thread_root: threadRoot, evidence_root: evidenceRoot }),
      evidence_content: content,
      signer_address: signerAddress,
    };
    return toStatus(await this.request<WorkflowResponse>("POST", "/workflows/work-submission", body, options));
  }

  async submitScore(
    studioAddress: string,
    epoch: number,
    validatorAddress: string,
    dataHash: string,
    scores: number[],
    signerAddress: string,
    options: RequestOptions & { workerAddress?: string; mode?: ScoreSubmissionMode; salt?: string } = {},
  ): Promise<WorkflowStatus> {
    const mode = options.mode ?? ScoreSubmissionMode.DIRECT;
    if (mode === ScoreSubmissionMode.DIRECT && !options.workerAddress)
      throw new InvalidRequestError("workerAddress", "workerAddress is required for direct score submission");
    if (mode === ScoreSubmissionMode.COMMIT_REVEAL && !options.salt)
      throw new InvalidRequestError("salt", "salt is required for commit-reveal score submission");
    const body = {
      studio_address: studioAddress,
      epoch,
      validator_address: validatorAddress,
      data_hash: dataHash,
      scores,
      signer_address: signerAddress,
      mode,
      salt: options.salt ?? ZERO_BYTES32,
      ...(options.workerAddress ? { worker_address: options.workerAddress } : {}),
    };
    return toStatus(await this.request<WorkflowResponse>("POST", "/workflows/score-submission", body, options));
  }

  async closeEpoch(studioAddress: string, epoch: number, signerAddress: string, options: RequestOptions = {}): Promise<WorkflowStatus> {
    const body = { studio_address: studioAddress, epoch, signer_address: signerAddress };
    return toStatus(await this.request<WorkflowResponse>("POST", "/workflows/close-epoch", body, options));
  }

  async getWorkflow(workflowId: string): Promise<WorkflowStatus> {
    return toStatus(await this.request<WorkflowResponse>("GET", `/workflows/${encodeURIComponent(workflowId)}`));
  }

  async listWorkflows(query: { studio?: string; state?: WorkflowState | "active"; type?: WorkflowType } = {}): Promise<WorkflowStatus[]> {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v) params.set(k, v);
    const result = await this.request<{ workflows: WorkflowResponse[] }>("GET", `/workflows?${params}`);
    return result.workflows.map(toStatus);
  }

  /**
   * GET /v1/studio/:address/work: a studio's completed work not yet scored (`status` "pending", the
   * default), scored, or finalized by a closed epoch; `limit` 1..100 (20), `offset` (0).
   */
  getPendingWork(
    studioAddress: string,
    options: { status?: WorkStatus; limit?: number; offset?: number } = {},
  ): Promise<PendingWorkResponse> {
    const params = new URLSearchParams({
      status: options.status ?? "pending",
      limit: String(options.limit ?? 20),
      offset: String(options.offset ?? 0),
    });
    return this.request("GET", `/v1/studio/${encodeURIComponent(studioAddress)}/work?${params}`);
  }

  /** GET /v1/work/:hash/evidence: the evidence graph a work submission carried (needs the API key when keys are set). */
  getWorkEvidence(dataHash: string): Promise<WorkEvidenceResponse> {
    return this.request("GET", `/v1/work/${encodeURIComponent(dataHash)}/evidence`);
  }

  /** Operator retry of a STALLED workflow (Gatehouse extension). */
  async retryWorkflow(workflowId: string): Promise<WorkflowStatus> {
    return toStatus(await this.request<WorkflowResponse>("POST", `/workflows/${encodeURIComponent(workflowId)}/retry`, {}));
  }

  /** Polls until COMPLETED (returned) or FAILED (WorkflowFailedError); STALLED is not terminal. */
  async waitForCompletion(workflowId: string, options: WaitOptions = {}): Promise<WorkflowStatus> {
    const maxWait = options.maxWait ?? this.#maxPollTime;
    const pollInterval = options.pollInterval ?? this.#pollInterval;
    const started = Date.now();
    let last: WorkflowStatus | undefined;
    for (;;) {
      last = await this.getWorkflow(workflowId);
      options.onProgress?.(last);
      if (last.state === "COMPLETED") return last;
      if (last.state === "FAILED") {
        throw new WorkflowFailedError(workflowId, last.error ?? { step: last.step, message: "unknown error", code: "UNKNOWN" });
      }
      if (Date.now() - started >= maxWait) {
        throw new GatewayTimeoutError(
          workflowId,
          `Workflow ${workflowId} did not complete within ${maxWait}ms. Current state: ${last.state}, step: ${last.step}`,
          last,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, pollInterval));
    }
  }

  async submitWorkAndWait(...args: [...Parameters<GatewayClient["submitWork"]>, WaitOptions?]): Promise<WorkflowStatus> {
    const [wait, ...rest] = [args[9], ...args.slice(0, 9)] as [WaitOptions | undefined, ...Parameters<GatewayClient["submitWork"]>];
    const started = await this.submitWork(...rest);
    return this.waitForCompletion(started.workflowId, wait);
  }

  async submitScoreAndWait(...args: [...Parameters<GatewayClient["submitScore"]>, WaitOptions?]): Promise<WorkflowStatus> {
    const [wait, ...rest] = [args[7], ...args.slice(0, 7)] as [WaitOptions | undefined, ...Parameters<GatewayClient["submitScore"]>];
    const started = await this.submitScore(...rest);
    return this.waitForCompletion(started.workflowId, wait);
  }

  async closeEpochAndWait(studioAddress: string, epoch: number, signerAddress: string, wait?: WaitOptions): Promise<WorkflowStatus> {
    const started = await this.closeEpoch(studioAddress, epoch, signerAddress);
    return this.waitForCompletion(started.workflowId, wait);
  }
}
