// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

interface IStudio {
    function getWorkParticipants(bytes32 dataHash) external view returns (address[] memory);
    function getScoreVectorsForWorker(bytes32 dataHash, address worker)
        external
        view
        returns (address[] memory validators, bytes[] memory vectors);
    function getRevealedScore(bytes32 dataHash, address validator) external view returns (bytes memory);
    function getTotalEscrow() external view returns (uint256);
    function creditReward(address to, uint256 amount) external;
}

/// @notice Minimal ChaosChain RewardsDistributor: owner-registered epoch work and validators (no
/// dedup, as ChaosChain's contract) and a simplified closeEpoch with ChaosChain's preconditions.
contract RewardsDistributor {
    address private _owner;
    address public treasury;

    mapping(address => mapping(uint64 => bytes32[])) private _epochWork;
    mapping(bytes32 => address[]) private _workValidators;

    event WorkRegistered(address indexed studio, uint64 indexed epoch, bytes32 indexed dataHash);
    event ValidatorRegistered(bytes32 indexed dataHash, address indexed validator);
    event EpochClosed(address indexed studio, uint64 indexed epoch, uint256 totalWorkerRewards, uint256 totalValidatorRewards);
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    error OwnableUnauthorizedAccount(address account);
    error OwnableInvalidOwner(address owner);

    modifier onlyOwner() {
        if (msg.sender != _owner) revert OwnableUnauthorizedAccount(msg.sender);
        _;
    }

    constructor(address owner_, address treasury_) {
        if (owner_ == address(0)) revert OwnableInvalidOwner(address(0));
        _owner = owner_;
        treasury = treasury_;
        emit OwnershipTransferred(address(0), owner_);
    }

    function owner() external view returns (address) {
        return _owner;
    }

    function transferOwnership(address newOwner) external onlyOwner {
        if (newOwner == address(0)) revert OwnableInvalidOwner(address(0));
        emit OwnershipTransferred(_owner, newOwner);
        _owner = newOwner;
    }

    function registerWork(address studio, uint64 epoch, bytes32 dataHash) external onlyOwner {
        _epochWork[studio][epoch].push(dataHash);
        emit WorkRegistered(studio, epoch, dataHash);
    }

    function registerValidator(bytes32 dataHash, address validator) external onlyOwner {
        _workValidators[dataHash].push(validator);
        emit ValidatorRegistered(dataHash, validator);
    }

    function getEpochWork(address studio, uint64 epoch) external view returns (bytes32[] memory) {
        return _epochWork[studio][epoch];
    }

    function getWorkValidators(bytes32 dataHash) external view returns (address[] memory) {
        return _workValidators[dataHash];
    }

    function closeEpoch(address studio, uint64 epoch) external onlyOwner {
        require(studio != address(0), "Invalid studio");
        bytes32[] storage works = _epochWork[studio][epoch];
        require(works.length > 0, "No work in epoch");
        for (uint256 i = 0; i < works.length; i++) {
            require(IStudio(studio).getWorkParticipants(works[i]).length > 0, "No participants");
            require(_workValidators[works[i]].length > 0, "No validators");
        }
        uint256 escrow = IStudio(studio).getTotalEscrow();
        if (escrow == 0) {
            emit EpochClosed(studio, epoch, 0, 0);
            return;
        }
        uint256 perWork = escrow / works.length;
        uint256 workerTotal = 0;
        uint256 validatorTotal = 0;
        for (uint256 i = 0; i < works.length; i++) {
            (uint256 paidWorkers, uint256 paidValidators) = _payWork(IStudio(studio), works[i], perWork);
            workerTotal += paidWorkers;
            validatorTotal += paidValidators;
        }
        emit EpochClosed(studio, epoch, workerTotal, validatorTotal);
    }

    /// 5 % orchestrator fee to the treasury, 10 % to the work's validators, the rest to its workers.
    function _payWork(IStudio studio, bytes32 dataHash, uint256 amount) private returns (uint256 workers, uint256 validators) {
        address[] memory participants = studio.getWorkParticipants(dataHash);
        address[] storage registered = _workValidators[dataHash];
        for (uint256 p = 0; p < participants.length; p++) {
            require(_hasScore(studio, dataHash, participants[p], registered), "No scores for worker");
        }
        uint256 fee = amount * 5 / 100;
        validators = amount * 10 / 100;
        workers = amount - fee - validators;
        studio.creditReward(treasury, fee);
        uint256 perValidator = validators / registered.length;
        for (uint256 v = 0; v < registered.length; v++) {
            studio.creditReward(registered[v], perValidator);
        }
        uint256 perWorker = workers / participants.length;
        for (uint256 p = 0; p < participants.length; p++) {
            studio.creditReward(participants[p], perWorker);
        }
    }

    /// A registered validator scored this worker directly, or revealed a committed score for the work.
    function _hasScore(IStudio studio, bytes32 dataHash, address worker, address[] storage registered) private view returns (bool) {
        (address[] memory scorers,) = studio.getScoreVectorsForWorker(dataHash, worker);
        for (uint256 v = 0; v < registered.length; v++) {
            for (uint256 s = 0; s < scorers.length; s++) {
                if (scorers[s] == registered[v]) return true;
            }
            if (studio.getRevealedScore(dataHash, registered[v]).length > 0) return true;
        }
        return false;
    }
}
