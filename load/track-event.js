// One event per request at a steady arrival rate: the trackEvent hot path.
//   k6 run -e BASE_URL=http://localhost:4000 load/track-event.js
//   env: RATE (requests/s, default 1000), DURATION (default 1m), SESSION_LENGTH (default 20)
import { check } from "k6";
import exec from "k6/execution";
import { Counter, Rate } from "k6/metrics";
import { gql, impressions, interaction, parse, randomItems, TRACK_EVENT } from "./lib.js";

const graphqlErrors = new Counter("graphql_errors");
const published = new Rate("published");

/** @type {import("k6/options").Options} */
export const options = {
  scenarios: {
    track_event: {
      executor: "constant-arrival-rate",
      rate: Number(__ENV.RATE || 1000),
      timeUnit: "1s",
      duration: __ENV.DURATION || "1m",
      preAllocatedVUs: 50,
      maxVUs: 400,
    },
  },
  thresholds: {
    http_req_failed: ["rate<0.001"],
    http_req_duration: ["p(50)<10", "p(99)<50"],
    graphql_errors: ["count<1"],
    checks: ["rate>0.999"],
    // Fewer iterations than scheduled means the service could not keep the rate.
    dropped_iterations: ["count<1"],
  },
};

const SESSION_LENGTH = Number(__ENV.SESSION_LENGTH || 20);
/** @type {Record<string, string[]>} */
const lists = {};

export default function () {
  // Each VU walks through sessions of SESSION_LENGTH events: a list shown, then clicks on it.
  const n = exec.vu.iterationInScenario;
  const sessionId = `k6-te-${exec.vu.idInTest}-${Math.floor(n / SESSION_LENGTH)}`;
  const first = n % SESSION_LENGTH === 0 || !lists[sessionId];
  if (first) lists[sessionId] = randomItems(25);
  const items = lists[sessionId] || [];
  const event = first ? impressions(sessionId, items) : interaction(sessionId, items);
  const res = gql(TRACK_EVENT, { event }, { name: "trackEvent" });
  const body = parse(res);
  if (!body || body.errors) graphqlErrors.add(1);
  const ok = check(res, {
    "status 200": (r) => r.status === 200,
    accepted: () => Boolean(body?.data?.trackEvent.accepted),
  });
  if (ok && body) published.add(Boolean(body.data.trackEvent.published));
  if (n % SESSION_LENGTH === SESSION_LENGTH - 1) delete lists[sessionId];
}
