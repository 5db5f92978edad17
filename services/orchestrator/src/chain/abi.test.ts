import { describe, expect, it } from "@jest/globals";
import { type AbiFunction, toFunctionSelector } from "viem";
import { rewardsDistributorAbi, studioProxyAbi } from "./abi.js";

/** The selectors of the reference's contract table (ChaosChain 22e131a). */
const REFERENCE: Record<string, string> = {
  "submitWork(bytes32,bytes32,bytes32,bytes)": "0xb5844c70",
  "submitWorkMultiAgent(bytes32,bytes32,bytes32,address[],uint16[],string)": "0xf0eabc96",
  "submitScoreVectorForWorker(bytes32,address,bytes)": "0xf4039caa",
  "commitScore(bytes32,bytes32)": "0x2b026343",
  "revealScore(bytes32,bytes,bytes32)": "0x9d21a3ec",
  "getWorkSubmitter(bytes32)": "0xb926bbc9",
  "getScoreCommitment(bytes32,address)": "0x0ca4c3d8",
  "getScoreVectorsForWorker(bytes32,address)": "0x7ef65d5c",
  "withdraw()": "0x3ccfd60b",
  "registerWork(address,uint64,bytes32)": "0x984dd306",
  "registerValidator(bytes32,address)": "0xac0e8964",
  "getEpochWork(address,uint64)": "0xd87610c8",
  "getWorkValidators(bytes32)": "0x88bcab0a",
  "closeEpoch(address,uint64)": "0x2b7b2d0b",
};

describe("contract ABI", () => {
  it("has the reference's function selectors", () => {
    const functions = ([...studioProxyAbi, ...rewardsDistributorAbi] as readonly { type: string }[]).filter(
      (item): item is AbiFunction => item.type === "function",
    );
    const ours = Object.fromEntries(functions.map((f) => [`${f.name}(${f.inputs.map((i) => i.type).join(",")})`, toFunctionSelector(f)]));
    for (const [signature, selector] of Object.entries(REFERENCE))
      expect({ signature, selector: ours[signature] }).toEqual({ signature, selector });
  });
});
