import type { RecommendationList } from "../../recommend/recommendation-list.ts";
import type { RankedItem } from "../../scoring/rank.ts";
import { builder } from "../builder.ts";
import { EventTypeEnum } from "../events/event-type.ts";

export const RecommendedItemRef = builder.objectRef<RankedItem>("RecommendedItem").implement({
  fields: (t) => ({
    itemId: t.exposeID("itemId"),
    rank: t.exposeInt("rank", { description: "1 = first." }),
    score: t.exposeFloat("score"),
    reasons: t.exposeStringList("reasons", {
      description: "The features that lifted the item most.",
    }),
  }),
});

export const ListSourceEnum = builder.enumType("ListSource", {
  values: {
    RERANK: { description: "The session's shown list (or the given candidates), reranked." },
    NEXT_ITEM: {
      description: "No list shown: items co-visited with the session's, then popular ones.",
    },
  } as const,
});

export const RecommendationListRef = builder
  .objectRef<RecommendationList>("RecommendationList")
  .implement({
    fields: (t) => ({
      sessionId: t.exposeID("sessionId"),
      version: t.exposeInt("version", {
        description: "Increases by one each time the session's ranked order changes.",
      }),
      items: t.field({ type: [RecommendedItemRef], resolve: (l) => l.items }),
      trigger: t.field({
        type: EventTypeEnum,
        nullable: true,
        description: "The event type that produced this list.",
        resolve: (l) => l.trigger,
      }),
      generatedAt: t.field({
        type: "Timestamp",
        description: "Time of the event that produced the list (event time, not the server clock).",
        resolve: (l) => l.generatedAt,
      }),
      source: t.field({ type: ListSourceEnum, resolve: (l) => l.source }),
      model: t.exposeString("model", { description: "The scorer that ranked the list." }),
    }),
  });

export interface ScoredItem {
  itemId: string;
  score: number;
}

export const ScoredItemRef = builder.objectRef<ScoredItem>("ScoredItem").implement({
  fields: (t) => ({
    itemId: t.exposeID("itemId"),
    score: t.exposeFloat("score"),
  }),
});
