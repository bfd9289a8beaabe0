import { skipToken, useSubscription } from "@apollo/client/react";
import { useRef, useState } from "react";
import {
  RecommendationsFeedDocument,
  type RecommendationsFeedSubscription,
} from "../../src/generated/graphql.ts";

export type PushedList = RecommendationsFeedSubscription["recommendations"];

export interface RankedItem {
  itemId: string;
  rank: number;
  score: number;
  reasons: string[];
  /** Places moved up since the previous push (negative: down); null when new in the list. */
  moved: number | null;
}

export interface Feed {
  list: PushedList | null;
  items: RankedItem[];
  /** Lists received on this subscription. */
  pushes: number;
  receivedAt: number | null;
  error: string | null;
}

const EMPTY: Feed = { list: null, items: [], pushes: 0, receivedAt: null, error: null };

/**
 * The session's list as the `recommendations` subscription pushes it, with each item's
 * rank change since the previous push.
 */
export function useRankedFeed(sessionId: string | null, limit = 50): Feed {
  const [feed, setFeed] = useState<Feed & { sessionId: string | null }>({ ...EMPTY, sessionId });
  const previous = useRef(new Map<string, number>());
  if (feed.sessionId !== sessionId) {
    previous.current = new Map();
    setFeed({ ...EMPTY, sessionId });
  }
  useSubscription(
    RecommendationsFeedDocument,
    sessionId
      ? {
          variables: { sessionId, limit },
          onData: ({ data }) => {
            const list = data.data?.recommendations;
            if (!list) return;
            const before = previous.current;
            const items = list.items.map((it) => {
              const was = before.get(it.itemId);
              return { ...it, moved: was === undefined ? null : was - it.rank };
            });
            previous.current = new Map(list.items.map((it) => [it.itemId, it.rank]));
            setFeed((f) => ({
              sessionId,
              list,
              items,
              pushes: f.sessionId === sessionId ? f.pushes + 1 : 1,
              receivedAt: Date.now(),
              error: null,
            }));
          },
          onError: (err) => setFeed((f) => ({ ...f, error: err.message })),
        }
      : skipToken,
  );
  return feed.sessionId === sessionId ? feed : { ...EMPTY };
}
