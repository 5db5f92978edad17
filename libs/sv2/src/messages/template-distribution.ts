import { B0_16M, B0_64K, B0_255, BOOL, SEQ0_64K, SEQ0_255, STR0_255, U16, U32, U64, U256 } from "../binary/types.js";
import { defineMessage } from "./define.js";

export const CoinbaseOutputConstraints = defineMessage("CoinbaseOutputConstraints", 0x70, false, {
  coinbaseOutputMaxAdditionalSize: U32,
  coinbaseOutputMaxAdditionalSigops: U16,
});

/** coinbase_tx_outputs are concatenated serialized outputs without a count; merkle_path is deepest first. */
export const NewTemplate = defineMessage("NewTemplate", 0x71, false, {
  templateId: U64,
  futureTemplate: BOOL,
  version: U32,
  coinbaseTxVersion: U32,
  coinbasePrefix: B0_255,
  coinbaseTxInputSequence: U32,
  coinbaseTxValueRemaining: U64,
  coinbaseTxOutputsCount: U32,
  coinbaseTxOutputs: B0_64K,
  coinbaseTxLocktime: U32,
  merklePath: SEQ0_255(U256),
});

/** The Template Distribution SetNewPrevHash (0x72), distinct from the mining one (0x20). */
export const SetNewPrevHashTdp = defineMessage("SetNewPrevHashTdp", 0x72, false, {
  templateId: U64,
  prevHash: U256,
  headerTimestamp: U32,
  nBits: U32,
  target: U256,
});

export const RequestTransactionData = defineMessage("RequestTransactionData", 0x73, false, { templateId: U64 });

export const RequestTransactionDataSuccess = defineMessage("RequestTransactionDataSuccess", 0x74, false, {
  templateId: U64,
  excessData: B0_64K,
  transactionList: SEQ0_64K(B0_16M),
});

export const RequestTransactionDataError = defineMessage("RequestTransactionDataError", 0x75, false, {
  templateId: U64,
  errorCode: STR0_255,
});

/** coinbase_tx here is the full coinbase with its BIP141 witness. */
export const SubmitSolution = defineMessage("SubmitSolution", 0x76, false, {
  templateId: U64,
  version: U32,
  headerTimestamp: U32,
  headerNonce: U32,
  coinbaseTx: B0_64K,
});

export const templateDistributionMessages = [
  CoinbaseOutputConstraints,
  NewTemplate,
  SetNewPrevHashTdp,
  RequestTransactionData,
  RequestTransactionDataSuccess,
  RequestTransactionDataError,
  SubmitSolution,
] as const;
