import type { SessionSnapshot } from "../features/session-snapshot.ts";
import type { Deps } from "../recommend/deps.ts";
import type { ListBody } from "../recommend/recommendation-list.ts";
import { sessionSeen } from "../recommend/rules.ts";
import type { PublishOutcome } from "../state/store.ts";
import { orderKey, payloadParts } from "./payload.ts";
import { idsDigest, PUBLISHED, SEEN } from "./published-state.ts";

/**
 * Compare-and-publish: a session's list gets a new version, and goes to its subscribers,
 * only when its ranked order changed; the "seen items changed" notice likewise. The store
 * compares again atomically, so two instances never publish the same order twice.
 */
export class Publisher {
  constructor(private readonly deps: Pick<Deps, "store" | "keys" | "config">) {}

  /**
   * Publishes `body` when its order differs from the one `after` holds as published.
   * `watched: false` (no instance holds a subscriber) numbers the order and sends nothing.
   */
  publish(
    after: SessionSnapshot,
    body: ListBody,
    watched: boolean | undefined,
  ): Promise<PublishOutcome> {
    const order = orderKey(body.items);
    // Most events leave the order as it was published: no third round trip for them.
    if (order === after.publishedOrder)
      return Promise.resolve({ published: false, version: after.publishedVersion });
    const { keys, config } = this.deps;
    return this.deps.store.publishIfChanged({
      publishedKey: keys.sessionState(after.sessionId),
      versionField: PUBLISHED.version,
      orderField: PUBLISHED.order,
      channel: keys.sessionChannel(after.sessionId),
      order,
      ttlSeconds: config.SESSION_TTL_SECONDS,
      payload: watched === false ? undefined : payloadParts(body),
    });
  }

  /**
   * Tells subscribers with `excludeSeen` that the session's clicked-out, carted or bought
   * items changed (their filtered view may change while the ranked order does not). Sent
   * after the event's writes, only when that set changed: one small script call.
   */
  async noticeSeen(before: SessionSnapshot, after: SessionSnapshot): Promise<void> {
    const seen = [...sessionSeen(after)].sort();
    const old = sessionSeen(before);
    if (seen.length === old.size && seen.every((i) => old.has(i))) return;
    const { keys, config } = this.deps;
    await this.deps.store.publishIfChanged({
      publishedKey: keys.sessionState(after.sessionId),
      versionField: SEEN.version,
      orderField: SEEN.order,
      channel: keys.sessionSeenChannel(after.sessionId),
      order: idsDigest(seen),
      ttlSeconds: config.SESSION_TTL_SECONDS,
      payload: { head: '{"seenVersion":', tail: "}" },
    });
  }
}
