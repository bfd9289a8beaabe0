import type { FieldError } from "../domain/result.ts";
import { builder } from "./builder.ts";
import { checkId, checkLimit, throwIfAny } from "./args.ts";
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
    },
    resolve: (_root, args, { engine, config }) => {
      const errors: FieldError[] = [];
      checkId("sessionId", args.sessionId, config, errors);
      checkLimit(args.limit, config, errors);
      if (args.candidates) {
        if (args.candidates.length > config.MAX_CANDIDATES)
          errors.push({ field: "candidates", message: `must hold at most ${config.MAX_CANDIDATES} items` });
        const seen = new Set<string>();
        args.candidates.forEach((c, i) => {
          checkId(`candidates[${i}]`, c, config, errors);
          if (seen.has(c)) errors.push({ field: `candidates[${i}]`, message: `duplicates item ${c}` });
          seen.add(c);
        });
      }
      throwIfAny(errors);
      return engine.recommend(args.sessionId, args.candidates ?? undefined, args.limit ?? undefined);
    },
  }),
);

builder.queryField("similarItems", (t) =>
  t.field({
    type: [ScoredItemRef],
    description: "Items most often touched in the same sessions as this one.",
    args: { itemId: t.arg.id({ required: true }), limit: t.arg.int() },
    resolve: async (_root, args, { engine, config }) => {
      const errors: FieldError[] = [];
      checkId("itemId", args.itemId, config, errors);
      checkLimit(args.limit, config, errors);
      throwIfAny(errors);
      const [top] = await engine.store.read([
        { op: "ztop", key: engine.keys.covisit(args.itemId), n: args.limit ?? config.DEFAULT_LIMIT },
      ]);
      return ((top ?? []) as [string, number][]).map(([itemId, score]) => ({ itemId, score }));
    },
  }),
);

builder.queryField("popularItems", (t) =>
  t.field({
    type: [ScoredItemRef],
    description: "The most popular items in a city, or overall without a city.",
    args: { city: t.arg.string(), limit: t.arg.int() },
    resolve: async (_root, args, { engine, config }) => {
      const errors: FieldError[] = [];
      if (args.city && args.city.length > config.MAX_STRING_LENGTH)
        errors.push({ field: "city", message: `must be at most ${config.MAX_STRING_LENGTH} characters` });
      checkLimit(args.limit, config, errors);
      throwIfAny(errors);
      const key = args.city ? engine.keys.cityPopularity(args.city) : engine.keys.globalPopularity();
      const [top] = await engine.store.read([{ op: "ztop", key, n: args.limit ?? config.DEFAULT_LIMIT }]);
      return ((top ?? []) as [string, number][]).map(([itemId, score]) => ({ itemId, score }));
    },
  }),
);

builder.queryField("session", (t) =>
  t.field({
    type: SessionStateRef,
    nullable: true,
    description: "A session's accumulated state; null when the session is unknown or expired.",
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, { engine, config }) => {
      const errors: FieldError[] = [];
      checkId("id", args.id, config, errors);
      throwIfAny(errors);
      const snap = await engine.snapshot(args.id);
      return snap.step === 0 ? null : snap;
    },
  }),
);

builder.queryField("model", (t) =>
  t.string({
    description: "Name of the scorer ranking lists now.",
    resolve: (_root, _args, { engine }) => engine.models.scorer.name,
  }),
);
