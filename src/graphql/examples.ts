/**
 * Opens in GraphiQL: run them top to bottom to watch a session's list change. The hotels
 * and prices are real (the start of a trivago list for Osaka, web/sample/). Every
 * operation here is validated against the schema and run in order by
 * test/observability/graphiql-examples.test.ts.
 */
export const EXAMPLE_OPERATIONS = `# Welcome to sessionrank. Run these in order (pick one with the play button).
# The same, with buttons and a live list: /demo. Operator metrics: /metrics.

# 1. Subscribe to a session's list (keep this tab open, run the rest in another tab).
subscription Watch {
  recommendations(sessionId: "demo-1", limit: 5) {
    version trigger generatedAt source
    items { itemId rank score reasons }
  }
}

# 2. The site shows a list of hotels in Osaka with their prices (EUR).
mutation ShowList {
  trackEvent(event: {
    sessionId: "demo-1", userId: "u-1", type: IMPRESSIONS, city: "Osaka, Japan",
    impressions: ["2315080", "1120277", "3186512", "2223262", "981371"], prices: [8, 10, 11, 11, 12]
  }) { step published recommendations { version items { itemId rank } } }
}

# 3. The visitor looks at the images of the 4th hotel: it moves up.
mutation LookAtImages {
  trackEvent(event: { sessionId: "demo-1", type: ITEM_IMAGE, itemId: "2223262" }) {
    step published recommendations { version items { itemId rank reasons } }
  }
}

# 4. What the session has accumulated.
query Session {
  session(id: "demo-1") {
    steps city filters sort
    list { itemId position price }
    touchedItems { itemId touches lastStep byType { type count } }
    recentEvents { step type itemId timestamp }
  }
}

# 5. Several events at once, e.g. from a server: the valid ones are recorded, the bad one
#    (a SORT without its sort) is reported by index.
mutation Batch {
  trackEvents(partial: true, events: [
    { sessionId: "demo-1", type: ITEM_INFO, itemId: "981371" },
    { sessionId: "demo-1", type: SORT }
  ]) { accepted rejected published errors { index field message } }
}

# 6. The model ranking lists, and what is popular in the city so far.
query ModelAndPopular {
  model
  popularItems(city: "Osaka, Japan", limit: 5) { itemId score }
}
`;
