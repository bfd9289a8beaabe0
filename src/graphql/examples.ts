/** Opens in GraphiQL: run them top to bottom to watch a session's list change. */
export const EXAMPLE_OPERATIONS = `# Welcome to sessionrank. Run these in order (pick one with the play button).

# 1. Subscribe to a session's list (keep this tab open, run the rest in another tab).
subscription Watch {
  recommendations(sessionId: "demo-1", limit: 5) {
    version trigger generatedAt source
    items { itemId rank score reasons }
  }
}

# 2. The site shows a list of hotels with prices.
mutation ShowList {
  trackEvent(event: {
    sessionId: "demo-1", userId: "u-1", type: IMPRESSIONS, city: "Amsterdam, Netherlands",
    impressions: ["101", "102", "103", "104", "105"], prices: [120, 95, 143, 80, 110]
  }) { step published recommendations { version items { itemId rank } } }
}

# 3. The visitor looks at the images of the 4th hotel: it moves up.
mutation LookAtImages {
  trackEvent(event: { sessionId: "demo-1", type: ITEM_IMAGE, itemId: "104" }) {
    step published recommendations { version items { itemId rank reasons } }
  }
}

# 4. What the session has accumulated.
query Session {
  session(id: "demo-1") {
    steps city filters
    list { itemId position price }
    touchedItems { itemId touches lastStep byType { type count } }
  }
}
`;
