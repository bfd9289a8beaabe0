import type { FieldError } from "../../domain/result.ts";
import type { RecommendationList } from "../../recommend/recommendation-list.ts";
import { requireSessions } from "../access/rules.ts";
import { checkCity, checkId, checkLimit, throwIfAny } from "../args.ts";
import { builder } from "../builder.ts";
import { RecommendationListRef, ScoredItemRef } from "./list.ts";
import { checkRules, ruleArgs } from "./rules.ts";
import { SessionStateRef } from "./session-state.ts";

builder.queryField("recommendations", (t) =>
  t.field({
    type: RecommendationListRef,
    description:
      "The session's list now: the given candidates reranked; without candidates, its shown list reranked; with no list shown, next-item recommendations.",
    args: {
      sessionId: t.arg.id({ required: true }),
      candidates: t.arg.idList(),
      limit: t.arg.int(),
      ...ruleArgs,
    },
    resolve: (_root, args, ctx) => {
      const { recommender, config } = ctx;
      const errors: FieldError[] = [];
      checkId("sessionId", args.sessionId, config, errors);
      checkLimit(args.limit, config, errors);
      if (args.candidates) {
        if (args.candidates.length > config.MAX_CANDIDATES)
          errors.push({
            field: "candidates",
            message: `must hold at most ${config.MAX_CANDIDATES} items`,
          });
        const seen = new Set<string>();
        args.candidates.forEach((c, i) => {
          checkId(`candidates[${i}]`, c, config, errors);
          if (seen.has(c))
            errors.push({ field: `candidates[${i}]`, message: `duplicates item ${c}` });
          seen.add(c);
        });
      }
      const rules = checkRules({ filter: args.filter, pin: args.pin }, config, errors);
      throwIfAny(errors);
      requireSessions(ctx, [args.sessionId]);
      return recommender.recommend(
        args.sessionId,
        args.candidates ?? undefined,
        args.limit ?? undefined,
        rules,
      );
    },
  }),
);

builder.queryField("popularItems", (t) =>
  t.field({
    type: [ScoredItemRef],
    description: "The most popular items in a city, or overall without a city.",
    args: { city: t.arg.string(), limit: t.arg.int() },
    resolve: async (_root, args, { recommender, config }) => {
      const errors: FieldError[] = [];
      checkCity("city", args.city, config, errors);
      checkLimit(args.limit, config, errors);
      throwIfAny(errors);
      return recommender.popular(args.city ?? undefined, args.limit ?? config.DEFAULT_LIMIT);
    },
  }),
);

builder.queryField("session", (t) =>
  t.field({
    type: SessionStateRef,
    nullable: true,
    description: "A session's accumulated state; null when the session is unknown or expired.",
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, ctx) => {
      const { recommender, config } = ctx;
      const errors: FieldError[] = [];
      checkId("id", args.id, config, errors);
      throwIfAny(errors);
      requireSessions(ctx, [args.id], "id");
      const snap = await recommender.snapshot(args.id);
      return snap.step === 0 ? null : snap;
    },
  }),
);

builder.queryField("model", (t) =>
  t.string({
    description: "Name of the scorer ranking lists now.",
    resolve: (_root, _args, { recommender }) => recommender.model,
  }),
);

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
