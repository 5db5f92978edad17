import { parseAbi } from "viem";

/** The StudioProxy calls, views, events and errors the orchestrator uses (ChaosChain signatures). */
export const studioProxyAbi = parseAbi([
  "function registerAgent(uint256 agentId, uint8 roles) payable",
  "function getAgentId(address agent) view returns (uint256)",
  "function submitWork(bytes32 dataHash, bytes32 threadRoot, bytes32 evidenceRoot, bytes feedbackAuth)",
  "function submitWorkMultiAgent(bytes32 dataHash, bytes32 threadRoot, bytes32 evidenceRoot, address[] participants, uint16[] weights, string evidenceCID)",
  "function submitScoreVectorForWorker(bytes32 dataHash, address worker, bytes scoreVector)",
  "function commitScore(bytes32 dataHash, bytes32 commitment)",
  "function revealScore(bytes32 dataHash, bytes scoreVector, bytes32 salt)",
  "function setCommitRevealDeadlines(bytes32 dataHash, uint256 commitDeadline, uint256 revealDeadline)",
  "function getWorkSubmitter(bytes32 dataHash) view returns (address)",
  "function getWorkParticipants(bytes32 dataHash) view returns (address[])",
  "function getScoreCommitment(bytes32 dataHash, address validator) view returns (bytes32)",
  "function getRevealedScore(bytes32 dataHash, address validator) view returns (bytes)",
  "function getCommitDeadline(bytes32 dataHash) view returns (uint256)",
  "function getRevealDeadline(bytes32 dataHash) view returns (uint256)",
  "function getScoreVectorsForWorker(bytes32 dataHash, address worker) view returns (address[] validators, bytes[] vectors)",
  "function deposit() payable",
  "function getTotalEscrow() view returns (uint256)",
  "function getWithdrawableBalance(address account) view returns (uint256)",
  "function withdraw()",
  "event WorkSubmitted(uint256 indexed agentId, bytes32 indexed dataHash, bytes32 threadRoot, bytes32 evidenceRoot, uint256 timestamp)",
  "event ScoreVectorSubmittedForWorker(uint256 indexed validatorAgentId, bytes32 indexed dataHash, address indexed worker, bytes scoreVector, uint256 timestamp)",
  "event ScoreCommitted(bytes32 indexed dataHash, address indexed validator, bytes32 commitment)",
  "event ScoreRevealed(bytes32 indexed dataHash, address indexed validator, bytes scoreVector)",
  "event ScoreVectorSubmitted(uint256 indexed validatorAgentId, bytes32 indexed dataHash, bytes scoreVector, uint256 timestamp)",
  "error NotAuthorized(address caller)",
]);

/** The RewardsDistributor calls, views, events and errors the orchestrator uses. */
export const rewardsDistributorAbi = parseAbi([
  "function owner() view returns (address)",
  "function registerWork(address studio, uint64 epoch, bytes32 dataHash)",
  "function registerValidator(bytes32 dataHash, address validator)",
  "function getEpochWork(address studio, uint64 epoch) view returns (bytes32[])",
  "function getWorkValidators(bytes32 dataHash) view returns (address[])",
  "function closeEpoch(address studio, uint64 epoch)",
  "event WorkRegistered(address indexed studio, uint64 indexed epoch, bytes32 indexed dataHash)",
  "event ValidatorRegistered(bytes32 indexed dataHash, address indexed validator)",
  "event EpochClosed(address indexed studio, uint64 indexed epoch, uint256 totalWorkerRewards, uint256 totalValidatorRewards)",
  "error OwnableUnauthorizedAccount(address account)",
  "error OwnableInvalidOwner(address owner)",
]);

export const ROLE_WORKER = 1;
export const ROLE_VERIFIER = 2;
