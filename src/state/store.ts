import type { CommandObserver } from "./command-timing.ts";
import type { Op } from "./ops.ts";

/** Reads the feature code asks for; each store answers them in one round trip. */
export type ReadOp =
  | { op: "hgetall"; key: string }
  | { op: "hmget"; key: string; fields: readonly string[] }
  | { op: "zmscore"; key: string; members: readonly string[] }
  /** The `n` highest-scored members, best first. */
  | { op: "ztop"; key: string; n: number }
  /** The `n` newest entries of a list (head first). */
  | { op: "lrange"; key: string; n: number }
  /** Whether each member is in the set (false for a missing key), in member order. */
  | { op: "smismember"; key: string; members: readonly string[] }
  /** Number of members of a set (0 for a missing key). */
  | { op: "scard"; key: string }
  /** Up to `n` distinct members of a set, which ones unspecified (all when it holds <= n). */
  | { op: "srandmember"; key: string; n: number };

export type ReadValue =
  | Record<string, string>
  | (string | null)[]
  | (number | null)[]
  | [string, number][]
  | string[]
  | boolean[]
  | number;

export interface PublishRequest {
  /** The hash holding the published state (the session's state hash). */
  publishedKey: string;
  /** The hash fields of the version and of the order. */
  versionField: string;
  orderField: string;
  channel: string;
  /** What "the list changed" compares (a digest of the ranked ids). */
  order: string;
  ttlSeconds: number;
  /**
   * The message is `head + version + tail`, so the version is assigned atomically. Without
   * a payload the new order is numbered and nothing is sent (no one subscribes).
   */
  payload?: { head: string; tail: string };
}

export interface PublishOutcome {
  published: boolean;
  version: number;
}

export type Unsubscribe = () => Promise<void>;

/**
 * What both stores implement, and all the rest of the system knows of storage. The
 * contract suite (test/contract) runs the same tests against each. A call that fails
 * because the store cannot answer rejects with StoreUnavailableError (store-errors.ts).
 */
export interface Store {
  readonly kind: "memory" | "redis" | "cluster";
  /**
   * Applies the ops atomically: all or none are visible to any reader. Resolves false,
   * having written nothing, when a `guard` op finds the event applied already.
   */
  apply(ops: readonly Op[]): Promise<boolean>;
  /** Applies each group atomically, in order, in as few round trips as possible. */
  applyMany(groups: readonly (readonly Op[])[]): Promise<void>;
  read(reads: readonly ReadOp[]): Promise<ReadValue[]>;
  /** Applies `ops` atomically, then reads; the reads see the writes. One round trip. */
  applyAndRead(ops: readonly Op[], reads: readonly ReadOp[]): Promise<ReadValue[]>;
  publishIfChanged(req: PublishRequest): Promise<PublishOutcome>;
  /**
   * `onResync`, when given, is called after the subscription was restored following a lost
   * connection, a Redis restart or a cluster failover: messages published in between may
   * have been missed, so the subscriber should read the current state again.
   */
  subscribe(
    channel: string,
    onMessage: (message: string) => void,
    onResync?: () => void,
  ): Promise<Unsubscribe>;
  /** Number of channels this process is subscribed to (for leak checks and metrics). */
  subscriptionCount(): number;
  deleteKeys(keys: readonly string[]): Promise<number>;
  /**
   * Times every command the store sends to Redis (the Redis stores; the memory store sends
   * none): an option of the store, set once by whoever reports metrics.
   */
  observeCommands?(observer: CommandObserver): void;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
