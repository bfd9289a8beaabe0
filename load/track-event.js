// One event per request at a steady arrival rate: shapes (1) and (2) of the benchmark.
//   k6 run -e BASE_URL=http://localhost:4000 load/track-event.js                # (1) a collector
//   k6 run -e BASE_URL=http://localhost:4000 -e SELECT=list load/track-event.js # (2) a frontend
//   env: SELECT (accepted: the answer selects only `accepted`; list: the list after the
//        event, `recommendations { version items { itemId } }`), BARE_YOGA_RPS (what a bare
//        graphql-yoga no-op answers on the service's machine, default 3500), RATE (requests/s;
//        default the target: 1.0x BARE_YOGA_RPS for SELECT=accepted, 0.6x for SELECT=list),
//        SESSIONS (sessions with a 25-item list, default 2000), DURATION (default 1m)
import { check } from "k6";
import { Counter } from "k6/metrics";
import {
  COLLECT_EVENT,
  FRONTEND_EVENT,
  gql,
  interactionBelowTop,
  listedSessions,
  parse,
  REFERENCE,
} from "./lib.js";

const LIST = __ENV.SELECT === "list";
const TARGET_RATIO = LIST ? 0.6 : 1.0;
const RATE = Number(__ENV.RATE || Math.ceil(TARGET_RATIO * REFERENCE.bareYogaPerSec));
const SESSIONS = Number(__ENV.SESSIONS || 2000);
const graphqlErrors = new Counter("graphql_errors");

/** @type {import("k6/options").Options} */
export const options = {
  setupTimeout: "120s",
  scenarios: {
    track_event: {
      executor: "constant-arrival-rate",
      rate: RATE,
      timeUnit: "1s",
      duration: __ENV.DURATION || "1m",
      preAllocatedVUs: 50,
      maxVUs: 400,
    },
  },
  thresholds: {
    http_req_failed: ["rate<0.001"],
    graphql_errors: ["count<1"],
    checks: ["rate>0.999"],
    // The target is a rate (a ratio of the bare yoga's): fewer iterations than scheduled
    // means the service could not keep it.
    dropped_iterations: ["count<1"],
  },
};

export function setup() {
  return { sessions: listedSessions(`k6-te-${Date.now()}`, SESSIONS) };
}

/** @param {{ sessions: { sessionId: string, items: string[] }[] }} data */
export default function (data) {
  const s = data.sessions[Math.floor(Math.random() * data.sessions.length)];
  if (!s) return;
  const event = interactionBelowTop(s.sessionId, s.items);
  const res = gql(LIST ? FRONTEND_EVENT : COLLECT_EVENT, { event }, { name: "trackEvent" });
  const body = parse(res);
  if (!body || body.errors) graphqlErrors.add(1);
  check(res, {
    "status 200": (r) => r.status === 200,
    answered: () =>
      LIST
        ? Boolean(body?.data?.trackEvent.recommendations.items.length)
        : Boolean(body?.data?.trackEvent.accepted),
  });
}
