import type { FormattedExecutionResult } from "graphql";
import {
  RecommendationsFeedDocument,
  type RecommendationsFeedSubscription,
  type RecommendationsFeedSubscriptionVariables,
} from "../../src/generated/graphql.ts";
import { sseSubscribe } from "./sse-client.ts";
import { type WsClient, wsSubscribe } from "./ws-client.ts";

export const TRANSPORTS = ["sse", "ws"] as const;
export type Transport = (typeof TRANSPORTS)[number];

export type FeedList = RecommendationsFeedSubscription["recommendations"];

/** A RecommendationsFeed subscription over either transport, with the same test surface. */
export interface Feed {
  readonly transport: Transport;
  next(timeoutMs?: number): Promise<FormattedExecutionResult<RecommendationsFeedSubscription>>;
  /** The next list pushed; throws (printing the result) when it carries errors. */
  nextList(timeoutMs?: number): Promise<FeedList>;
  expectNothing(ms: number): Promise<void>;
  close(): Promise<void>;
}

export async function openFeed(
  transport: Transport,
  url: string,
  variables: RecommendationsFeedSubscriptionVariables,
  opts: { wsClient?: WsClient; method?: "GET" | "POST" } = {},
): Promise<Feed> {
  const sub =
    transport === "sse"
      ? await sseSubscribe(url, RecommendationsFeedDocument, variables, { method: opts.method })
      : wsSubscribe(url, RecommendationsFeedDocument, variables, { client: opts.wsClient });
  return {
    transport,
    next: (t) => sub.next(t),
    nextList: async (t) => (await sub.nextData(t)).recommendations,
    expectNothing: (ms) => sub.expectNothing(ms),
    close: () => sub.close(),
  };
}
