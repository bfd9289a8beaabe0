import { type OperationDefinitionNode, parse, validate } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXAMPLE_OPERATIONS } from "../../src/graphql/examples.ts";
import { schema } from "../../src/graphql/schema.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

/** The operations GraphiQL opens with are valid, and do what their comments say. */
describe("GraphiQL example operations", () => {
  const document = parse(EXAMPLE_OPERATIONS);
  const names = document.definitions.map((d) => (d as OperationDefinitionNode).name?.value);
  let t: TestServer;

  beforeAll(async () => {
    t = await startTestServer("memory");
  });
  afterAll(() => t?.close());

  const run = async (operationName: string) => {
    const res = await fetch(t.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: EXAMPLE_OPERATIONS, operationName }),
    });
    const body = (await res.json()) as { data: Record<string, unknown>; errors?: unknown };
    expect(body.errors, operationName).toBeUndefined();
    return body.data;
  };

  it("are valid against the schema", () => {
    expect(validate(schema, document)).toEqual([]);
    expect(names).toEqual([
      "Watch",
      "ShowList",
      "LookAtImages",
      "Session",
      "Batch",
      "ModelAndPopular",
    ]);
  });

  it("run in order: looking at the 4th hotel's images moves it up", async () => {
    const shown = (await run("ShowList")) as {
      trackEvent: { recommendations: { items: { itemId: string; rank: number }[] } };
    };
    const before = shown.trackEvent.recommendations.items.find((i) => i.itemId === "2223262")!.rank;
    const after = (await run("LookAtImages")) as typeof shown;
    const rank = after.trackEvent.recommendations.items.find((i) => i.itemId === "2223262")!.rank;
    expect(rank).toBeLessThan(before);

    const session = (await run("Session")) as { session: { steps: number } };
    expect(session.session.steps).toBe(2);
    const batch = (await run("Batch")) as { trackEvents: { accepted: number; rejected: number } };
    expect(batch.trackEvents).toMatchObject({ accepted: 1, rejected: 1 });
    const model = (await run("ModelAndPopular")) as { model: string; popularItems: unknown[] };
    expect(model.model).toBeTruthy();
    expect(model.popularItems.length).toBeGreaterThan(0);
  });
});
