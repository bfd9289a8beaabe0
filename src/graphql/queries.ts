import type { FieldError } from "../domain/result.ts";
import { requireSessions } from "./access.ts";
import { checkCity, checkId, checkLimit, throwIfAny } from "./args.ts";
import { builder } from "./builder.ts";
import { checkRules, ruleArgs } from "./rules-args.ts";
import { RecommendationListRef, ScoredItemRef } from "./types/recommendation-list.ts";
import { SessionStateRef } from "./types/session-state.ts";

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

builder.queryField("similarItems", (t) =>
  t.field({
    type: [ScoredItemRef],
    description:
      "Items like this one: co-visitation score (touched in the same sessions) plus contentWeight times the estimated Jaccard similarity of their catalogue properties, so an item with no history yet still has neighbours.",
    args: {
      itemId: t.arg.id({ required: true }),
      limit: t.arg.int(),
      contentWeight: t.arg.float({
        defaultValue: 1,
        description: "Weight of property similarity (0 to 1000); 0 means co-visitation only.",
      }),
    },
    resolve: async (_root, args, { catalog, config }) => {
      const errors: FieldError[] = [];
      checkId("itemId", args.itemId, config, errors);
      checkLimit(args.limit, config, errors);
      const weight = args.contentWeight ?? 1;
      if (!Number.isFinite(weight) || weight < 0 || weight > 1000)
        errors.push({ field: "contentWeight", message: "must be between 0 and 1000" });
      throwIfAny(errors);
      return catalog.similar(args.itemId, args.limit ?? config.DEFAULT_LIMIT, weight);
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
