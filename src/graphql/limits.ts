import {
  type ASTVisitor,
  Kind,
  NoSchemaIntrospectionCustomRule,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from "graphql";
import type { Plugin } from "graphql-yoga";
import type { Config } from "../config.ts";
import type { GraphQLContext } from "./context.ts";
import { apiError } from "./errors.ts";

/**
 * Bounds on the shape of an operation, checked at validation (before anything runs, over
 * HTTP, SSE and WebSocket alike): nesting depth and the number of fields selected, with
 * fragments counted at every use and aliases counted as fields. Errors carry
 * `extensions.code` QUERY_TOO_DEEP or QUERY_TOO_COMPLEX.
 */
export function queryShapeRule(maxDepth: number, maxFields: number) {
  return (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(node) {
      let fields = 0;
      let deepest = 0;
      const walk = (set: SelectionSetNode, depth: number, path: Set<string>): void => {
        for (const s of set.selections) {
          if (fields > maxFields || deepest > maxDepth) return;
          if (s.kind === Kind.FIELD) {
            fields++;
            if (depth > deepest) deepest = depth;
            if (s.selectionSet) walk(s.selectionSet, depth + 1, path);
          } else if (s.kind === Kind.INLINE_FRAGMENT) {
            walk(s.selectionSet, depth, path);
          } else {
            const name = s.name.value;
            const frag = context.getFragment(name);
            if (!frag || path.has(name)) continue; // unknown or cyclic: other rules report it
            path.add(name);
            walk(frag.selectionSet, depth, path);
            path.delete(name);
          }
        }
      };
      walk(node.selectionSet, 1, new Set());
      if (deepest > maxDepth)
        context.reportError(
          apiError(
            "QUERY_TOO_DEEP",
            `Operation is too deep: selections may nest at most ${maxDepth} levels`,
            { maxDepth },
            [node],
          ),
        );
      else if (fields > maxFields)
        context.reportError(
          apiError(
            "QUERY_TOO_COMPLEX",
            `Operation is too complex: it may select at most ${maxFields} fields (fragments counted at each use, aliases included)`,
            { maxFields },
            [node],
          ),
        );
    },
  });
}

/** The server's own validation rules: the shape bounds and, when INTROSPECTION=false, no introspection. */
export function operationRules(config: Config): ValidationRule[] {
  return [
    queryShapeRule(config.MAX_QUERY_DEPTH, config.MAX_QUERY_FIELDS),
    ...(config.INTROSPECTION ? [] : [NoSchemaIntrospectionCustomRule]),
  ];
}

/** Adds `operationRules` to yoga's validation (the direct path adds the same ones). */
export function useOperationLimits(config: Config): Plugin<GraphQLContext> {
  const rules = operationRules(config);
  return {
    onValidate: ({ addValidationRule }) => {
      for (const rule of rules) addValidationRule(rule);
    },
  };
}
