export { eventIdOf, ShareIdentityError, shareIdOf } from "./identity.js";
export type { PublishShareOptions, PublishShareOutcome } from "./publish.js";
export { isQueueFull, publishAcceptedShare } from "./publish.js";
export type { ForwardOutcome } from "./result.js";
export { forwardResult, notForwarded } from "./result.js";
export { submissionBody } from "./submission.js";
