import type { FieldError } from "../domain/result.ts";
import type { RecommendationList } from "../recommend/recommendation-list.ts";
import { requireSessions } from "./access.ts";
import { checkId, checkLimit, throwIfAny } from "./args.ts";
import { builder } from "./builder.ts";
import { checkRules, ruleArgs } from "./rules-args.ts";
import { RecommendationListRef } from "./types/recommendation-list.ts";

builder.subscriptionField("recommendations", (t) =>
  t.field({
    type: RecommendationListRef,
    description:
      "The session's current list at once, then a new one each time an event changes its ranked order. With filter or pin, each list is pushed with the rules applied, and only when that view changed.",
    args: { sessionId: t.arg.id({ required: true }), limit: t.arg.int(), ...ruleArgs },
    subscribe: (_root, args, ctx) => {
      const { feeds, config } = ctx;
      const errors: FieldError[] = [];
      checkId("sessionId", args.sessionId, config, errors);
      checkLimit(args.limit, config, errors);
      const rules = checkRules({ filter: args.filter, pin: args.pin }, config, errors);
      throwIfAny(errors);
      requireSessions(ctx, [args.sessionId]);
      return feeds.subscribe(args.sessionId, args.limit ?? undefined, rules);
    },
    resolve: (list: RecommendationList, _args, { metrics }) => {
      metrics?.pushed();
      return list;
    },
  }),
);
