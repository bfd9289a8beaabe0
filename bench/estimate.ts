/**
 * What a large site needs, from the CPU per event measured in one run (issue 18, shape 5):
 * 50M sessions a day, about 9k events/s on average and 26k at peak. Service cores are
 * planned at 70% busy; a Redis shard's one command thread at 50% (room for latency,
 * replication and the fork of a snapshot). Memory: every session lives for its TTL.
 */
export const SITE = {
  sessionsPerDay: 50_000_000,
  averageEventsPerSec: 9_000,
  peakEventsPerSec: 26_000,
} as const;
export const CORE_BUSY = 0.7;
export const REDIS_BUSY = 0.5;
/** Memory a Redis shard is given for data (of a 32 GB machine, room for the fork). */
export const SHARD_GB = 25;

export interface CapacityRow {
  shape: string;
  serverUs: number;
  redisUs: number;
  coresAverage: number;
  coresPeak: number;
  shardsPeak: number;
}

export function capacityRow(shape: string, serverUs: number, redisUs: number): CapacityRow {
  const cores = (rate: number) => Math.ceil((rate * serverUs) / 1e6 / CORE_BUSY);
  return {
    shape,
    serverUs,
    redisUs,
    coresAverage: cores(SITE.averageEventsPerSec),
    coresPeak: cores(SITE.peakEventsPerSec),
    shardsPeak: Math.ceil((SITE.peakEventsPerSec * redisUs) / 1e6 / REDIS_BUSY),
  };
}

export interface MemoryPlan {
  ttlDays: number;
  sessionsLive: number;
  gb: number;
  shards: number;
}

/** Sessions alive at once (a day's sessions times the TTL in days) at the measured bytes each. */
export function memoryPlan(bytesPerSession: number, ttlDays: number): MemoryPlan {
  const sessionsLive = SITE.sessionsPerDay * ttlDays;
  const gb = (sessionsLive * bytesPerSession) / 1e9;
  return { ttlDays, sessionsLive, gb: Math.round(gb), shards: Math.ceil(gb / SHARD_GB) };
}
