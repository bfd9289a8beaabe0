import { mintSessionToken } from "../../auth/tokens.ts";
import type { FieldError } from "../../domain/result.ts";
import { checkId, throwIfAny } from "../args.ts";
import { builder } from "../builder.ts";
import { notConfigured } from "../errors.ts";
import { requireSessions } from "./rules.ts";

interface SessionTokenShape {
  token: string;
  sessionId: string;
  expiresAt: number;
}

const SessionTokenRef = builder.objectRef<SessionTokenShape>("SessionToken").implement({
  description:
    "A signed token for a browser: read, subscribe to and send events for one session until it expires.",
  fields: (t) => ({
    token: t.exposeString("token", {
      description:
        "Send as `Authorization: Bearer <token>`, as connectionParams.authorization over WebSocket, or as ?access_token= for EventSource.",
    }),
    sessionId: t.exposeID("sessionId"),
    expiresAt: t.field({
      type: "Timestamp",
      resolve: (o) => o.expiresAt,
      description: "Epoch milliseconds.",
    }),
  }),
});

interface ForgetShape {
  removedKeys: number;
}

const ForgetResultRef = builder.objectRef<ForgetShape>("ForgetResult").implement({
  fields: (t) => ({
    removedKeys: t.exposeInt("removedKeys", { description: "Keys of the store removed." }),
  }),
});

builder.mutationField("createSessionToken", (t) =>
  t.field({
    type: SessionTokenRef,
    description:
      "Mints a session token for a browser (needs a write API key when keys are configured, and SESSION_TOKEN_SECRET).",
    args: { sessionId: t.arg.id({ required: true }), ttlSeconds: t.arg.int() },
    resolve: (_root, args, { config, now }) => {
      const errors: FieldError[] = [];
      checkId("sessionId", args.sessionId, config, errors);
      const ttl = args.ttlSeconds ?? config.SESSION_TOKEN_DEFAULT_TTL_SECONDS;
      if (ttl < 1 || ttl > config.SESSION_TOKEN_MAX_TTL_SECONDS)
        errors.push({
          field: "ttlSeconds",
          message: `must be between 1 and ${config.SESSION_TOKEN_MAX_TTL_SECONDS}`,
        });
      throwIfAny(errors);
      const secret = config.SESSION_TOKEN_SECRET;
      if (!secret) throw notConfigured("Session tokens are not enabled: set SESSION_TOKEN_SECRET");
      const exp = Math.floor(now() / 1000) + ttl;
      return {
        token: mintSessionToken(secret, args.sessionId, exp),
        sessionId: args.sessionId,
        expiresAt: exp * 1000,
      };
    },
  }),
);

builder.mutationField("forgetSession", (t) =>
  t.field({
    type: ForgetResultRef,
    description:
      "Removes a session's state (touched items, recent events, shown list, published list, event ids). Counts it added to item, co-visitation and popularity aggregates stay.",
    args: { sessionId: t.arg.id({ required: true }) },
    resolve: async (_root, args, ctx) => {
      const errors: FieldError[] = [];
      checkId("sessionId", args.sessionId, ctx.config, errors);
      throwIfAny(errors);
      requireSessions(ctx, [args.sessionId]);
      return { removedKeys: await ctx.engine.forgetSession(args.sessionId) };
    },
  }),
);

builder.mutationField("forgetUser", (t) =>
  t.field({
    type: ForgetResultRef,
    description:
      "Removes a user's history (items clicked out, added to cart or bought). Sessions are kept by session id: forget them with forgetSession. Aggregate counts stay.",
    args: { userId: t.arg.id({ required: true }) },
    resolve: async (_root, args, ctx) => {
      const errors: FieldError[] = [];
      checkId("userId", args.userId, ctx.config, errors);
      throwIfAny(errors);
      return { removedKeys: await ctx.engine.forgetUser(args.userId) };
    },
  }),
);
