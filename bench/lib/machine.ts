import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { availableParallelism, totalmem } from "node:os";

export interface MachineInfo {
  nproc: number;
  cpuModel: string;
  memoryGb: number;
  node: string;
  redis: string;
  os: string;
}

export function machineInfo(): MachineInfo {
  let cpuModel = "unknown";
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"));
    if (m?.[1]) cpuModel = m[1].trim();
  } catch {
    // not Linux
  }
  let redis = "unknown";
  try {
    const out = execFileSync("redis-server", ["--version"], { encoding: "utf8" });
    redis = /v=(\S+)/.exec(out)?.[1] ?? out.trim();
  } catch {
    // reported as unknown
  }
  let os = `${process.platform} ${process.arch}`;
  try {
    os = `${execFileSync("uname", ["-sr"], { encoding: "utf8" }).trim()} ${process.arch}`;
  } catch {
    // keep platform
  }
  return {
    nproc: availableParallelism(),
    cpuModel,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    redis,
    os,
  };
}
