import { pino } from "pino";

export type Logger = pino.Logger;

/**
 * JSON lines on stdout: `{"level":30,"time":"…","service":"sessionrank","pid":…,"msg":…}`
 * plus the fields of each call (a request's `reqId`, `status`, `ms`, …).
 */
export function createLogger(level: pino.LevelWithSilent = "info"): Logger {
  return pino({
    level,
    base: { service: "sessionrank", pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
