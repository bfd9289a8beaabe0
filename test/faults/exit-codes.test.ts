import { createServer, type Server } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { RESPAWN, respawnDelay } from "../../src/cluster.ts";
import { TrackEventDocument } from "../../src/generated/graphql.ts";
import { sessionEvents, uid } from "../support/events.ts";
import { eventually } from "../support/eventually.ts";
import { gqlOk } from "../support/graphql-client.ts";
import { uniquePrefix } from "../support/prefix.ts";
import { freePort } from "../support/redis-server.ts";
import { dockerCmd, processTestbed, type ServiceProcess } from "../support/service-process.ts";

/**
 * What a supervisor (systemd `Restart=on-failure`, Kubernetes, Docker's restart policy)
 * learns from the exit code: the service runs the Dockerfile's CMD (the built dist/main.js)
 * as its own process tree; the tests kill its workers or deny it what it needs to serve.
 */
const bed = processTestbed();

async function start(
  env: Record<string, string | number>,
  port?: number,
): Promise<{ svc: ServiceProcess; port: number; url: string }> {
  port ??= await freePort();
  const svc = bed.start(dockerCmd(), { HOST: "127.0.0.1", PORT: port, LOG_LEVEL: "info", ...env });
  return { svc, port, url: `http://127.0.0.1:${port}/graphql` };
}

const isRespawn = (msg: string) => /exited .*; starting another in \d+ ms$/.test(msg);

describe("respawn back-off", () => {
  it("doubles from 500 ms up to 30 s", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => respawnDelay(n))).toEqual([
      500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000,
    ]);
    expect(respawnDelay(1, { ...RESPAWN, firstDelayMs: 100, maxDelayMs: 250 })).toBe(100);
    expect(respawnDelay(3, { ...RESPAWN, firstDelayMs: 100, maxDelayMs: 250 })).toBe(250);
  });
});

describe("every worker dies (WORKERS=2, Redis)", () => {
  it("the primary stays, replaces them with growing delays and serves again each time", async () => {
    const { svc, url } = await start({
      REDIS_URL: bed.redis().url,
      REDIS_PREFIX: uniquePrefix(),
      WORKERS: 2,
    });
    const track = () =>
      gqlOk(url, TrackEventDocument, { event: sessionEvents(uid("respawn")).impressions(["r1"]) });
    let pids = await svc.listening(2);
    await track();
    const figures: Array<{ delaysMs: number[]; servingAgainMs: number }> = [];
    for (let round = 1; round <= 2; round++) {
      const seen = svc.logs.filter((l) => isRespawn(l.msg)).length;
      const t0 = Date.now();
      for (const pid of pids) process.kill(pid, "SIGKILL");
      // The primary is still there with no worker left, and answers again.
      await eventually(() =>
        expect(svc.logs.filter((l) => isRespawn(l.msg)).length).toBe(seen + 2),
      );
      expect(svc.groupAlive()).toBe(true);
      await eventually(track, 15_000, 100);
      const servingAgainMs = Date.now() - t0;
      const delaysMs = svc.logs
        .filter((l) => isRespawn(l.msg))
        .slice(seen)
        .map((l) => l.delayMs as number);
      figures.push({ delaysMs, servingAgainMs });
      const listening = await svc.listening(2 + 2 * round);
      pids = listening.slice(-2);
    }
    // Deaths in a row double the delay: 500 and 1000 ms, then 2000 and 4000 ms.
    expect(figures.map((f) => f.delaysMs)).toEqual([
      [500, 1000],
      [2000, 4000],
    ]);
    expect(figures[1]!.servingAgainMs).toBeGreaterThanOrEqual(2000);
    expect(svc.logs.filter((l) => l.msg.startsWith("stopping")).length).toBe(0);

    process.kill(svc.pid, "SIGTERM");
    const exit = await svc.exited;
    expect(exit.code, svc.output()).toBe(0);
    await eventually(() => expect(svc.groupAlive()).toBe(false));
    console.log(`respawn figures: ${JSON.stringify(figures)}`);
  }, 60_000);
});

describe("it cannot serve: the exit code is not 0", () => {
  let holder: Server | undefined;
  afterEach(async () => {
    await new Promise((r) => (holder ? holder.close(r) : r(undefined)));
    holder = undefined;
  });

  it.each([
    { workers: "unset (one per core)", env: {} as Record<string, number> },
    { workers: "1", env: { WORKERS: 1 } },
    { workers: "2", env: { WORKERS: 2 } },
  ])(
    "Redis unreachable at start, WORKERS $workers",
    async ({ env }) => {
      const closedPort = await freePort();
      const t0 = Date.now();
      const { svc } = await start({ REDIS_URL: `redis://127.0.0.1:${closedPort}`, ...env });
      const exit = await svc.exited;
      expect(exit, svc.output()).toEqual(expect.objectContaining({ code: 1, signal: null }));
      expect(svc.output()).toContain(`cannot reach Redis at redis://127.0.0.1:${closedPort}`);
      await eventually(() => expect(svc.groupAlive()).toBe(false));
      console.log(
        `exit figures: ${JSON.stringify({ case: "redis unreachable", ...env, exitMs: exit.at - t0 })}`,
      );
    },
    60_000,
  );

  it.each([1, 2])(
    "the port is taken, WORKERS=%i",
    async (workers) => {
      const port = await freePort();
      holder = createServer();
      await new Promise<void>((r) => holder!.listen(port, "127.0.0.1", r));
      const env = { REDIS_URL: bed.redis().url, REDIS_PREFIX: uniquePrefix(), WORKERS: workers };
      const { svc } = await start(env, port);
      const t0 = Date.now();
      const exit = await svc.exited;
      expect(exit, svc.output()).toEqual(expect.objectContaining({ code: 1, signal: null }));
      expect(svc.output()).toContain(`cannot listen on 127.0.0.1:${port}`);
      if (workers > 1)
        expect(svc.output()).toContain(
          `cannot serve: ${workers} workers in a row exited before listening`,
        );
      await eventually(() => expect(svc.groupAlive()).toBe(false));
      console.log(
        `exit figures: ${JSON.stringify({ case: "port taken", workers, exitMs: exit.at - t0 })}`,
      );
    },
    60_000,
  );

  it.each([
    {
      env: { PORT: "abc", LOG_LEVEL: "loud" } as Record<string, string>,
      problems: ['PORT="abc"', 'LOG_LEVEL="loud"'],
    },
    { env: { WORKERS: "0" }, problems: ['WORKERS="0": must be an integer from 1 to 256'] },
  ])(
    "invalid configuration ($problems.0): exit 2, every problem listed",
    async ({ env, problems }) => {
      const svc = bed.start(dockerCmd(), env);
      const exit = await svc.exited;
      expect(exit, svc.output()).toEqual(expect.objectContaining({ code: 2, signal: null }));
      for (const p of problems) expect(svc.output()).toContain(p);
    },
  );
});
