/** One-line progress on a TTY (rewritten in place, throttled); silent otherwise so pipes and --json stay clean. */
export interface Progress {
  update(message: string): void;
  done(): void;
}

export function createProgress(enabled: boolean, stream: NodeJS.WriteStream, minIntervalMs = 100): Progress {
  if (!enabled) return { update: () => {}, done: () => {} };
  let last = 0;
  let shown = false;
  return {
    update(message: string) {
      const now = Date.now();
      if (now - last < minIntervalMs) return;
      last = now;
      const width = stream.columns ? stream.columns - 1 : 120;
      stream.write(`\r\x1b[2K${message.slice(0, width)}`);
      shown = true;
    },
    done() {
      if (shown) stream.write('\r\x1b[2K');
      shown = false;
    },
  };
}
