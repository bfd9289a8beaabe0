/**
 * The fields of a session's state hash (`<p>:{s:<id>}:st`): the one list of them. The
 * session-state accumulator writes them, the snapshot reads them, and the publish script
 * numbers the session's lists in the last four (their names are given to it).
 */
export const SESSION_FIELDS = {
  /** Events so far. */
  step: "step",
  /** Epoch ms of the latest event. */
  timestamp: "ts",
  lastType: "lastType",
  user: "user",
  city: "city",
  platform: "platform",
  device: "device",
  sort: "sort",
  /** The active filters, `|`-joined, stored in pieces (features/accumulators/chunked-field.ts). */
  filters: "filters",
  /** The list shown and its prices, `|`-joined, in pieces. */
  list: "list",
  prices: "prices",
  /** The step of the event that showed the list. */
  listStep: "listStep",
  lastItem: "lastItem",
  lastItemStep: "lastItemStep",
  /** The published list's version and order digest. */
  publishedVersion: "pv",
  publishedOrder: "po",
  /** The same for the "seen items changed" notices. */
  seenVersion: "sv",
  seenOrder: "so",
} as const;
