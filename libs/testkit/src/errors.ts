/** What a test needs from the checkout is not there: the repository root, or a service's build. */
export class TestEnvironmentError extends Error {
  override readonly name = "TestEnvironmentError";
}

/** A service process that exited before it logged "service started"; `stderr` holds what it printed. */
export class ServiceStartError extends Error {
  override readonly name = "ServiceStartError";
  constructor(
    readonly service: string,
    readonly exit: number | string | null,
    readonly stderr: string,
  ) {
    super(`${service} exited (${exit}) before starting: ${stderr}`);
  }
}

/** A wait for a service's log line cut short by its signal (in `ServiceProcess.start`: the process exited). */
export class LogWaitAbortedError extends Error {
  override readonly name = "LogWaitAbortedError";
}

/** The test miner could not produce a share: `no-active-job` (no job to mine on) or `no-nonce` (none met the acceptance test). */
export class MiningError extends Error {
  override readonly name = "MiningError";
  constructor(
    readonly code: "no-active-job" | "no-nonce",
    message: string,
  ) {
    super(message);
  }
}
