import type { ExecutionArgs, execute, subscribe } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import type { YogaServerInstance } from "graphql-yoga";
import type { WebSocketServer } from "ws";
import type { GraphQLContext } from "./context.ts";

type Operation = (args: ExecutionArgs) => OperationResult;
interface Enveloped {
  execute: Operation;
  subscribe: Operation;
}
type OperationResult = ReturnType<typeof execute> | ReturnType<typeof subscribe>;

/**
 * GraphQL over WebSocket (graphql-ws) on the sockets of `wss`, through yoga's envelop: the
 * same schema, context (credentials from connectionParams), validation rules, access
 * check and error masking as over HTTP. Each subscribe message is parsed and validated
 * here, once per operation.
 */
export function serveGraphQLOverWebSocket(
  wss: WebSocketServer,
  yoga: YogaServerInstance<Record<string, unknown>, GraphQLContext>,
): { dispose(): void | Promise<void> } {
  return useServer(
    {
      // yoga's enveloped execute/subscribe travel in rootValue (see onSubscribe).
      execute: (args) => (args.rootValue as Enveloped).execute(args),
      subscribe: (args) => (args.rootValue as Enveloped).subscribe(args),
      onSubscribe: async (ctx, _id, params) => {
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params,
        });
        const args = {
          schema,
          operationName: params.operationName,
          document: parse(params.query),
          variableValues: params.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe },
        };
        const errors = validate(args.schema, args.document);
        if (errors.length) return errors;
        return args;
      },
    },
    wss,
  );
}
