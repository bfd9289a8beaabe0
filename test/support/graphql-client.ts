import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { type GraphQLFormattedError, getOperationAST, print } from "graphql";

/** What a GraphQL-over-HTTP server answers: data, errors, or both. */
export interface GqlResponse<R> {
  data?: R | null;
  errors?: GraphQLFormattedError[];
  /** HTTP status, for tests of the transport itself. */
  status: number;
}

function operationName(document: TypedDocumentNode<unknown, unknown>): string | undefined {
  return getOperationAST(document)?.name?.value;
}

/**
 * Sends one typed operation over real HTTP (POST, JSON) with `print()` of the document, so
 * the server parses exactly what a client would send. Never throws on GraphQL errors.
 */
export async function gql<R, V>(
  url: string,
  document: TypedDocumentNode<R, V>,
  variables: V,
  headers: Record<string, string> = {},
): Promise<GqlResponse<R>> {
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/graphql-response+json, application/json",
      ...headers,
    },
    body: JSON.stringify({
      query: print(document),
      operationName: operationName(document as TypedDocumentNode<unknown, unknown>),
      variables,
    }),
  });
  const text = await res.text();
  let body: { data?: R | null; errors?: GraphQLFormattedError[] };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new Error(`${res.status} from ${url} is not JSON:\n${text.slice(0, 2000)}`);
  }
  return { ...body, status: res.status };
}

/**
 * Like `gql`, but the data or an Error that prints the whole exchange: the operation name,
 * the variables and the whole response, so a failing test explains itself.
 */
export async function gqlOk<R, V>(
  url: string,
  document: TypedDocumentNode<R, V>,
  variables: V,
  headers: Record<string, string> = {},
): Promise<R> {
  const res = await gql(url, document, variables, headers);
  if (res.errors?.length || res.data === undefined || res.data === null) {
    const name = operationName(document as TypedDocumentNode<unknown, unknown>) ?? "(anonymous)";
    throw new Error(
      `GraphQL operation ${name} failed (HTTP ${res.status})\n` +
        `request to ${url}\n` +
        `variables: ${JSON.stringify(variables, null, 2)}\n` +
        (Object.keys(headers).length ? `headers: ${JSON.stringify(headers)}\n` : "") +
        `query:\n${print(document)}\n` +
        `response: ${JSON.stringify({ data: res.data, errors: res.errors }, null, 2)}`,
    );
  }
  return res.data;
}

/**
 * Expects exactly the errors of a failed operation; throws, printing the whole exchange,
 * when it succeeded instead.
 */
export async function gqlErrors<R, V>(
  url: string,
  document: TypedDocumentNode<R, V>,
  variables: V,
  headers: Record<string, string> = {},
): Promise<{ errors: GraphQLFormattedError[]; data?: R | null; status: number }> {
  const res = await gql(url, document, variables, headers);
  if (!res.errors?.length) {
    const name = operationName(document as TypedDocumentNode<unknown, unknown>) ?? "(anonymous)";
    throw new Error(
      `GraphQL operation ${name} was expected to fail but succeeded (HTTP ${res.status})\n` +
        `request variables: ${JSON.stringify(variables, null, 2)}\n` +
        `response: ${JSON.stringify(res.data, null, 2)}`,
    );
  }
  return { errors: res.errors, data: res.data, status: res.status };
}
