// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice Minimal studio with ChaosChain StudioProxy's signatures, storage semantics and events:
/// agent roles, work submissions, per-worker score vectors, commit-reveal with settable deadlines
/// and an escrow the RewardsDistributor pays out of.
contract StudioProxy {
    uint8 public constant ROLE_WORKER = 1;
    uint8 public constant ROLE_VERIFIER = 2;

    struct Agent {
        uint256 agentId;
        uint8 roles;
    }

    struct Work {
        address submitter;
        bytes32 threadRoot;
        bytes32 evidenceRoot;
        address[] participants;
        uint16[] weights;
        string evidenceCID;
    }

    address public immutable owner;
    address public immutable rewardsDistributor;

    mapping(address => Agent) private _agents;
    mapping(bytes32 => Work) private _works;
    mapping(bytes32 => mapping(address => address[])) private _workerValidators;
    mapping(bytes32 => mapping(address => mapping(address => bytes))) private _workerScores;
    mapping(bytes32 => mapping(address => bytes)) private _scoreVectors;
    mapping(bytes32 => mapping(address => bytes32)) private _commitments;
    mapping(bytes32 => uint256) private _commitDeadline;
    mapping(bytes32 => uint256) private _revealDeadline;
    mapping(address => uint256) private _withdrawable;
    uint256 private _totalEscrow;

    event AgentRegistered(address indexed agent, uint256 indexed agentId, uint8 roles);
    event WorkSubmitted(uint256 indexed agentId, bytes32 indexed dataHash, bytes32 threadRoot, bytes32 evidenceRoot, uint256 timestamp);
    event ScoreVectorSubmittedForWorker(
        uint256 indexed validatorAgentId, bytes32 indexed dataHash, address indexed worker, bytes scoreVector, uint256 timestamp
    );
    event ScoreCommitted(bytes32 indexed dataHash, address indexed validator, bytes32 commitment);
    event ScoreRevealed(bytes32 indexed dataHash, address indexed validator, bytes scoreVector);
    event ScoreVectorSubmitted(uint256 indexed validatorAgentId, bytes32 indexed dataHash, bytes scoreVector, uint256 timestamp);
    event CommitRevealDeadlinesSet(bytes32 indexed dataHash, uint256 commitDeadline, uint256 revealDeadline);
    event EscrowDeposited(address indexed from, uint256 amount);
    event Withdrawn(address indexed to, uint256 amount);

    error NotAuthorized(address caller);

    constructor(address owner_, address rewardsDistributor_) {
        owner = owner_;
        rewardsDistributor = rewardsDistributor_;
    }

    function registerAgent(uint256 agentId, uint8 roles) external payable {
        require(agentId != 0, "Invalid agent id");
        require(roles != 0 && roles <= (ROLE_WORKER | ROLE_VERIFIER), "Invalid role");
        _agents[msg.sender] = Agent(agentId, roles);
        emit AgentRegistered(msg.sender, agentId, roles);
    }

    function getAgentId(address agent) external view returns (uint256) {
        return _agents[agent].agentId;
    }

    function submitWork(bytes32 dataHash, bytes32 threadRoot, bytes32 evidenceRoot, bytes calldata) external {
        address[] memory participants = new address[](1);
        participants[0] = msg.sender;
        uint16[] memory weights = new uint16[](1);
        weights[0] = 10000;
        _submit(dataHash, threadRoot, evidenceRoot, participants, weights, "");
    }

    function submitWorkMultiAgent(
        bytes32 dataHash,
        bytes32 threadRoot,
        bytes32 evidenceRoot,
        address[] calldata participants,
        uint16[] calldata weights,
        string calldata evidenceCID
    ) external {
        require(participants.length > 0 && participants.length == weights.length, "Participants and weights mismatch");
        bool senderIncluded = false;
        uint256 total = 0;
        for (uint256 i = 0; i < participants.length; i++) {
            require((_agents[participants[i]].roles & ROLE_WORKER) != 0, "Participant not a worker");
            if (participants[i] == msg.sender) senderIncluded = true;
            total += weights[i];
        }
        require(senderIncluded, "Sender not a participant");
        require(total == 10000, "Weights must sum to 10000");
        _submit(dataHash, threadRoot, evidenceRoot, participants, weights, evidenceCID);
    }

    function _submit(
        bytes32 dataHash,
        bytes32 threadRoot,
        bytes32 evidenceRoot,
        address[] memory participants,
        uint16[] memory weights,
        string memory evidenceCID
    ) private {
        require(dataHash != bytes32(0), "Invalid dataHash");
        require(threadRoot != bytes32(0), "Invalid threadRoot");
        require(evidenceRoot != bytes32(0), "Invalid evidenceRoot");
        require(_works[dataHash].submitter == address(0), "Work already submitted");
        Agent memory agent = _agents[msg.sender];
        require((agent.roles & ROLE_WORKER) != 0, "Not a registered worker");
        Work storage work = _works[dataHash];
        work.submitter = msg.sender;
        work.threadRoot = threadRoot;
        work.evidenceRoot = evidenceRoot;
        work.participants = participants;
        work.weights = weights;
        work.evidenceCID = evidenceCID;
        emit WorkSubmitted(agent.agentId, dataHash, threadRoot, evidenceRoot, block.timestamp);
    }

    function submitScoreVectorForWorker(bytes32 dataHash, address worker, bytes calldata scoreVector) external {
        require(_works[dataHash].submitter != address(0), "Work not found");
        Agent memory validator = _agents[msg.sender];
        require((validator.roles & ROLE_VERIFIER) != 0, "Not a registered verifier");
        require(_isParticipant(dataHash, worker), "Worker not a participant");
        if (_workerScores[dataHash][worker][msg.sender].length == 0) _workerValidators[dataHash][worker].push(msg.sender);
        _workerScores[dataHash][worker][msg.sender] = scoreVector;
        emit ScoreVectorSubmittedForWorker(validator.agentId, dataHash, worker, scoreVector, block.timestamp);
    }

    function setCommitRevealDeadlines(bytes32 dataHash, uint256 commitDeadline, uint256 revealDeadline) external {
        if (msg.sender != owner && msg.sender != rewardsDistributor) revert NotAuthorized(msg.sender);
        require(commitDeadline < revealDeadline, "Commit deadline must precede reveal deadline");
        _commitDeadline[dataHash] = commitDeadline;
        _revealDeadline[dataHash] = revealDeadline;
        emit CommitRevealDeadlinesSet(dataHash, commitDeadline, revealDeadline);
    }

    function commitScore(bytes32 dataHash, bytes32 commitment) external {
        require(block.timestamp <= _commitDeadline[dataHash], "Commit phase ended");
        require(_commitments[dataHash][msg.sender] == bytes32(0), "Already committed");
        require(commitment != bytes32(0), "Invalid commitment");
        _commitments[dataHash][msg.sender] = commitment;
        emit ScoreCommitted(dataHash, msg.sender, commitment);
    }

    function revealScore(bytes32 dataHash, bytes calldata scoreVector, bytes32 salt) external {
        require(block.timestamp > _commitDeadline[dataHash], "Commit phase not ended");
        require(block.timestamp <= _revealDeadline[dataHash], "Reveal phase ended");
        bytes32 commitment = _commitments[dataHash][msg.sender];
        require(commitment != bytes32(0), "No commitment");
        require(keccak256(abi.encodePacked(scoreVector, salt, dataHash)) == commitment, "Commitment mismatch");
        _scoreVectors[dataHash][msg.sender] = scoreVector;
        delete _commitments[dataHash][msg.sender];
        emit ScoreRevealed(dataHash, msg.sender, scoreVector);
        emit ScoreVectorSubmitted(0, dataHash, scoreVector, block.timestamp);
    }

    function getWorkSubmitter(bytes32 dataHash) external view returns (address) {
        return _works[dataHash].submitter;
    }

    function getWorkParticipants(bytes32 dataHash) external view returns (address[] memory) {
        return _works[dataHash].participants;
    }

    function getScoreCommitment(bytes32 dataHash, address validator) external view returns (bytes32) {
        return _commitments[dataHash][validator];
    }

    function getRevealedScore(bytes32 dataHash, address validator) external view returns (bytes memory) {
        return _scoreVectors[dataHash][validator];
    }

    function getCommitDeadline(bytes32 dataHash) external view returns (uint256) {
        return _commitDeadline[dataHash];
    }

    function getRevealDeadline(bytes32 dataHash) external view returns (uint256) {
        return _revealDeadline[dataHash];
    }

    function getScoreVectorsForWorker(bytes32 dataHash, address worker)
        external
        view
        returns (address[] memory validators, bytes[] memory vectors)
    {
        validators = _workerValidators[dataHash][worker];
        vectors = new bytes[](validators.length);
        for (uint256 i = 0; i < validators.length; i++) {
            vectors[i] = _workerScores[dataHash][worker][validators[i]];
        }
    }

    function deposit() external payable {
        _totalEscrow += msg.value;
        emit EscrowDeposited(msg.sender, msg.value);
    }

    function getTotalEscrow() external view returns (uint256) {
        return _totalEscrow;
    }

    /// @notice Moves `amount` of escrow to `to`'s withdrawable balance (RewardsDistributor only).
    function creditReward(address to, uint256 amount) external {
        if (msg.sender != rewardsDistributor) revert NotAuthorized(msg.sender);
        require(amount <= _totalEscrow, "Insufficient escrow");
        _totalEscrow -= amount;
        _withdrawable[to] += amount;
    }

    function getWithdrawableBalance(address account) external view returns (uint256) {
        return _withdrawable[account];
    }

    function withdraw() external {
        uint256 amount = _withdrawable[msg.sender];
        require(amount > 0, "Nothing to withdraw");
        _withdrawable[msg.sender] = 0;
        (bool ok,) = msg.sender.call{value: amount}("");
        require(ok, "Transfer failed");
        emit Withdrawn(msg.sender, amount);
    }

    function _isParticipant(bytes32 dataHash, address worker) private view returns (bool) {
        address[] storage participants = _works[dataHash].participants;
        for (uint256 i = 0; i < participants.length; i++) {
            if (participants[i] == worker) return true;
        }
        return false;
    }
}
