import type { FieldError } from "../domain/result.ts";
import type { RecommendationList } from "../publish/recommendation-list.ts";
import { checkId, checkLimit, throwIfAny } from "./args.ts";
import { builder } from "./builder.ts";
import { RecommendationListRef } from "./types/recommendation-list.ts";

builder.subscriptionField("recommendations", (t) =>
  t.field({
    type: RecommendationListRef,
    description:
      "The session's current list at once, then a new one each time an event changes its ranked order.",
    args: { sessionId: t.arg.id({ required: true }), limit: t.arg.int() },
    subscribe: (_root, args, { feeds, config }) => {
      const errors: FieldError[] = [];
      checkId("sessionId", args.sessionId, config, errors);
      checkLimit(args.limit, config, errors);
      throwIfAny(errors);
      return feeds.subscribe(args.sessionId, args.limit ?? undefined);
    },
    resolve: (list: RecommendationList) => list,
  }),
);
