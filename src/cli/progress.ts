/** A one-line progress bar on stderr (only when it is a terminal), with events/s. */
export function progressBar(
  label: string,
  unit = "events",
): { update(done: number, total: number): void; end(): void } {
  const started = performance.now();
  const tty = process.stderr.isTTY;
  let last = 0;
  return {
    update(done, total) {
      const now = performance.now();
      if (now - last < 200) return;
      last = now;
      const rate = done / Math.max((now - started) / 1000, 1e-9);
      const frac = total > 0 ? Math.min(done / total, 1) : 0;
      const bar = "#".repeat(Math.round(frac * 30)).padEnd(30, ".");
      const line = `${label} [${bar}] ${(frac * 100).toFixed(0)}% ${done.toLocaleString("en")}/${total.toLocaleString("en")} ${Math.round(rate).toLocaleString("en")} ${unit}/s`;
      if (tty) process.stderr.write(`\r${line}`);
    },
    end() {
      if (tty) process.stderr.write("\n");
    },
  };
}
