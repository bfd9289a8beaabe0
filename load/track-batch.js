// Batches through trackEvents: bulk ingest over HTTP, each batch over BATCH/10 new sessions
// of 10 events (a log's consecutive rows; load/collector-batch.js has the busy site's
// collector, one event per session per batch).
//   k6 run -e BASE_URL=http://localhost:4000 load/track-batch.js
//   env: BATCH (events per request, default 100), VUS (default 8), DURATION (default 1m),
//        RESCORE (default true; false: an import, events recorded without rescoring or pushing),
//        LUA_REFERENCE_EPS (the 9-write Lua reference against the service's Redis, events/s;
//        see load/README.md; default 28000), MIN_EVENTS_PER_SEC (threshold; default the
//        batch target: 50% of LUA_REFERENCE_EPS)
import { check } from "k6";
import exec from "k6/execution";
import { Counter } from "k6/metrics";
import {
  gql,
  impressions,
  interaction,
  parse,
  REFERENCE,
  randomItems,
  TRACK_EVENTS,
} from "./lib.js";

const BATCH = Number(__ENV.BATCH || 100);
const RESCORE = __ENV.RESCORE !== "false";
const eventsAccepted = new Counter("events_accepted");
const eventsRejected = new Counter("events_rejected");
const graphqlErrors = new Counter("graphql_errors");

/** @type {import("k6/options").Options} */
export const options = {
  scenarios: {
    track_batch: {
      executor: "constant-vus",
      vus: Number(__ENV.VUS || 8),
      duration: __ENV.DURATION || "1m",
    },
  },
  thresholds: {
    http_req_failed: ["rate<0.001"],
    http_req_duration: ["p(99)<500"],
    graphql_errors: ["count<1"],
    events_rejected: ["count<1"],
    events_accepted: [
      `rate>${Number(__ENV.MIN_EVENTS_PER_SEC || Math.round(0.5 * REFERENCE.luaEventsPerSec))}`,
    ],
  },
};

export default function () {
  // BATCH events over BATCH/10 sessions: each opens with a list, then interactions on it.
  /** @type {Record<string, unknown>[]} */
  const events = [];
  const sessions = Math.max(1, Math.floor(BATCH / 10));
  for (let s = 0; s < sessions && events.length < BATCH; s++) {
    const sessionId = `k6-tb-${exec.vu.idInTest}-${exec.vu.iterationInScenario}-${s}`;
    const items = randomItems(25);
    events.push(impressions(sessionId, items));
    for (let k = 1; k < 10 && events.length < BATCH; k++)
      events.push(interaction(sessionId, items));
  }
  const res = gql(TRACK_EVENTS, { events, rescore: RESCORE }, { name: "trackEvents" });
  const body = parse(res);
  if (!body || body.errors) graphqlErrors.add(1);
  const result = body?.data ? body.data.trackEvents : null;
  check(res, {
    "status 200": (r) => r.status === 200,
    "all accepted": () => Boolean(result && result.accepted === events.length),
  });
  if (result) {
    eventsAccepted.add(result.accepted);
    eventsRejected.add(result.rejected);
  }
}
