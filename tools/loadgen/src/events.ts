import type { ShareKind } from "./bad-shares.js";

// What a simulated miner reports as it runs: Loadgen re-emits these to its listeners.

export interface ShareEvent {
  connection: number;
  identity: string;
  sequence: number;
  kind: ShareKind;
  accepted: boolean;
  errorCode: string | undefined;
  latencyMs: number;
  block: boolean;
  /** SHA-256 of the submitted header (the share_id the edge records) when the share was hashed; undefined for shares built without work. */
  shareId: string | undefined;
}

export interface BlockEvent {
  connection: number;
  identity: string;
  sequence: number;
  /** Display (big-endian) hex, as block explorers show it. */
  blockHash: string;
  prevHash: string;
}

export interface PrevHashEvent {
  connection: number;
  prevHash: string;
  nbits: number;
  minNtime: number;
}

export interface TargetEvent {
  connection: number;
  target: bigint;
  difficulty: number;
}

export interface ConnectionEvent {
  connection: number;
  identity: string;
  channelId?: number;
  error?: string;
}

export interface LoadgenEvents {
  share: (e: ShareEvent) => void;
  block: (e: BlockEvent) => void;
  prevhash: (e: PrevHashEvent) => void;
  job: (e: { connection: number; jobId: number }) => void;
  target: (e: TargetEvent) => void;
  connected: (e: ConnectionEvent) => void;
  disconnected: (e: ConnectionEvent) => void;
}

export type Emit = <K extends keyof LoadgenEvents>(event: K, payload: Parameters<LoadgenEvents[K]>[0]) => void;
