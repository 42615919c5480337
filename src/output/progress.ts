/**
 * Progress bars and spinners on stderr, only when stderr is a terminal and --json is not given
 * (ctx.showProgress). Redrawn in place with \r; cleared when done so the summary line stands alone.
 */
import type { Context } from '../context.js';

export interface Progress {
  update(done: number, total: number, detail?: string): void;
  /**
   * A sentence that is true for now ("waiting for the task processor to pick it up"): drawn in place of the
   * bar until it is taken back (undefined), so it leaves the screen when it stops being true.
   */
  note(text: string | undefined): void;
  stop(): void;
}

const NOOP: Progress = { update: () => undefined, note: () => undefined, stop: () => undefined };

export function formatDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}

/** A bar: "[=====>    ] 12/40  30%  3 ok, 1 failed  12s" */
export function progressBar(ctx: Context, label = ''): Progress {
  if (!ctx.showProgress) return NOOP;
  const started = ctx.now();
  let lastLen = 0;
  let last: [number, number, string | undefined] = [0, 0, undefined];
  let note: string | undefined;
  const draw = (done: number, total: number, detail = '') => {
    last = [done, total, detail];
    const width = Math.max(10, Math.min(30, ctx.stderrColumns - 50));
    const ratio = total > 0 ? Math.min(1, done / total) : 0;
    const filled = Math.round(ratio * width);
    const bar = '='.repeat(Math.max(0, filled - 1)) + (filled > 0 ? (filled === width ? '=' : '>') : '') + ' '.repeat(width - filled);
    const elapsed = formatDuration(ctx.now() - started);
    const full = note ? `${note}  ${elapsed}` : `${label ? `${label} ` : ''}[${bar}] ${done}/${total} ${String(Math.round(ratio * 100)).padStart(3)}%${detail ? `  ${detail}` : ''}  ${elapsed}`;
    // one line that never wraps: \r can only go back to the start of the terminal's last row
    const text = [...full].length < ctx.stderrColumns ? full : `${[...full].slice(0, Math.max(1, ctx.stderrColumns - 2)).join('')}…`;
    ctx.writeErr(`\r${text}${' '.repeat(Math.max(0, lastLen - text.length))}`);
    lastLen = text.length;
  };
  return {
    update: draw,
    note: (text) => {
      if (text === note) return;
      note = text;
      if (lastLen) draw(...last);
    },
    stop: () => {
      if (lastLen) ctx.writeErr(`\r${' '.repeat(lastLen)}\r`);
      lastLen = 0;
    },
  };
}

/** A spinner with a message, for one long request. */
export function spinner(ctx: Context, message: string): Progress {
  if (!ctx.showProgress) return NOOP;
  const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
  const started = ctx.now();
  let i = 0;
  let len = 0;
  const tick = () => {
    const text = `${frames[i++ % frames.length]} ${message} ${formatDuration(ctx.now() - started)}`;
    ctx.writeErr(`\r${text}`);
    len = text.length;
  };
  tick();
  const timer = setInterval(tick, 100);
  timer.unref();
  return {
    update: () => undefined,
    note: () => undefined,
    stop: () => {
      clearInterval(timer);
      ctx.writeErr(`\r${' '.repeat(len)}\r`);
    },
  };
}
