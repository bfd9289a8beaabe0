// A realistic mix: real trivago sessions (load/data/trivago-sessions.json, a few hundred
// events of the RecSys Challenge 2019 validation_part_a sample) replayed event by event with
// think time, as a site would send them, while other users read lists.
//   k6 run -e BASE_URL=http://localhost:4000 load/mixed.js
//   env: VUS (sessions in flight, default 200), DURATION (default 2m), THINK_S (mean think
//        time between a session's events, default 1), READ_RATE (reads/s, default 100)
import { check, sleep } from "k6";
import { SharedArray } from "k6/data";
import exec from "k6/execution";
import { Counter, Trend } from "k6/metrics";
import { gql, parse, RECOMMENDATIONS, TRACK_EVENT } from "./lib.js";

/** @typedef {{ sessionId: string, events: Record<string, unknown>[] }} RealSession */

/** @type {RealSession[]} */
const SESSIONS = /** @type {any} */ (
  new SharedArray(
    "trivago sessions",
    () => JSON.parse(open("./data/trivago-sessions.json")).sessions,
  )
);
const THINK_S = Number(__ENV.THINK_S || 1);
const VUS = Number(__ENV.VUS || 200);

const graphqlErrors = new Counter("graphql_errors");
const sessionsReplayed = new Counter("sessions_replayed");
const trackDuration = new Trend("track_event_duration", true);
const readDuration = new Trend("recommendations_duration", true);

/** @type {import("k6/options").Options} */
export const options = {
  scenarios: {
    sessions: {
      executor: "ramping-vus",
      exec: "session",
      startVUs: 0,
      stages: [
        { duration: "20s", target: VUS },
        { duration: __ENV.DURATION || "2m", target: VUS },
        { duration: "10s", target: 0 },
      ],
    },
    reads: {
      executor: "constant-arrival-rate",
      exec: "read",
      rate: Number(__ENV.READ_RATE || 100),
      timeUnit: "1s",
      duration: __ENV.DURATION || "2m",
      startTime: "20s",
      preAllocatedVUs: 20,
      maxVUs: 100,
    },
  },
  thresholds: {
    http_req_failed: ["rate<0.001"],
    graphql_errors: ["count<1"],
    track_event_duration: ["p(50)<10", "p(99)<50"],
    recommendations_duration: ["p(50)<5", "p(99)<20"],
    checks: ["rate>0.999"],
  },
};

/** Makes every run's session ids its own. */
const RUN = __ENV.RUN_ID || String(Date.now());

/**
 * The k-th session the `sessions` scenario replays (k: its iteration in the scenario,
 * counted across all VUs): which real session it is and its id follow from k alone, so a
 * read can name a session that was replayed.
 * @param {number} k
 */
function replayed(k) {
  const s = SESSIONS[k % SESSIONS.length];
  return s ? { real: s, sessionId: `k6-mx-${RUN}-${k}-${s.sessionId}` } : null;
}

/** Replays one real session: its events in order, as now, with think time between them. */
export function session() {
  const r = replayed(exec.scenario.iterationInTest);
  if (!r) return;
  const { real: s, sessionId } = r;
  for (const e of s.events) {
    const event = { ...e, sessionId, timestamp: Date.now() };
    const res = gql(TRACK_EVENT, { event }, { name: "trackEvent" });
    trackDuration.add(res.timings.duration);
    const body = parse(res);
    if (!body || body.errors) graphqlErrors.add(1);
    check(res, { "trackEvent 200": (r) => r.status === 200 });
    sleep(THINK_S * (0.5 + Math.random()));
  }
  sessionsReplayed.add(1);
}

/**
 * Reads the list of a session that is being (or was) replayed: the first VUS sessions of
 * the scenario began during its ramp-up, which ends when the reads start.
 */
export function read() {
  const r = replayed(Math.floor(Math.random() * VUS));
  if (!r) return;
  const { sessionId } = r;
  const res = gql(RECOMMENDATIONS, { sessionId, limit: 10 }, { name: "recommendations" });
  readDuration.add(res.timings.duration);
  const body = parse(res);
  if (!body || body.errors) graphqlErrors.add(1);
  check(res, { "recommendations 200": (r) => r.status === 200 });
}

export default session;
