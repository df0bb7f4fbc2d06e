/** A one-line progress bar on stderr: done/total, percent, rate and ETA (redrawn at most 5 times a second). */
export interface Progress {
  tick(done: number): void;
  finish(): void;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en');

function eta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--';
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(Math.ceil(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
}

export function progressBar(
  label: string,
  total: number,
  startAt: number,
  out: NodeJS.WriteStream = process.stderr,
): Progress {
  const started = Date.now();
  let last = 0;
  let current = startAt;
  const draw = (final: boolean) => {
    const width = 28;
    const ratio = total === 0 ? 1 : Math.min(1, current / total);
    const filled = Math.round(ratio * width);
    const elapsed = (Date.now() - started) / 1000;
    const rate = elapsed > 0 ? (current - startAt) / elapsed : 0;
    const line = `${label.padEnd(9)} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${fmt(current)}/${fmt(total)} ${(ratio * 100).toFixed(1)}% ${fmt(rate)}/s ETA ${final ? '0s' : eta((total - current) / rate)}`;
    out.write(out.isTTY ? `\r${line}${final ? '\n' : ''}` : `${line}\n`);
  };
  return {
    tick(done) {
      current = done;
      const now = Date.now();
      if (now - last >= (out.isTTY ? 200 : 2000)) {
        last = now;
        draw(false);
      }
    },
    finish() {
      draw(true);
    },
  };
}
