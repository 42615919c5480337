/**
 * The Factory every command receives: streams and terminal facts, environment, clock, global
 * options, lazy config and profile resolution, one HTTP client per provider, prompts, confirmations.
 * Tests build one with fake streams; nothing here touches process.* directly.
 */
import { Chalk } from 'chalk';
import { ConfigError, ExitCode, ExitWith, Interrupted, UsageError, interruptCode, isPromptCancel } from './errors.js';
import { Output, plainStyler, type Styler } from './output/render.js';
import { SecretRegistry } from './http/redact.js';
import type { LoadedConfig } from './config/load.js';
import type { ResolvedProfile } from './config/resolve.js';
import type { Provider } from './config/providers.js';
import type { DryRunRecord, HttpClient } from './http/client.js';

export interface GlobalOptions {
  profile?: string;
  config?: string;
  json: boolean;
  query?: string;
  dryRun: boolean;
  verbose: boolean;
  timeout: number;
  /** true when --timeout was given (commands with a longer default of their own, e.g. `spaaza task run`, then use it) */
  timeoutGiven?: boolean;
  retries: number;
  concurrency: number;
  insecure: boolean;
  ca?: string;
  /** the CA came from TASKCTL_CA, not --ca */
  caFromEnv?: boolean;
  /** --sandbox (or TASKCTL_SANDBOX=1): the built-in emulators instead of any configured server */
  sandbox?: boolean;
  yes: boolean;
  input: boolean;
  color: boolean;
  /** --wide: tables show every column, uncut */
  wide?: boolean;
  /** --columns a,b,c */
  columns?: string[];
  /** --local-time (or TASKCTL_LOCAL_TIME=1) */
  localTime?: boolean;
}

export interface Readable {
  isTTY?: boolean;
  setEncoding?(enc: BufferEncoding): unknown;
  [Symbol.asyncIterator](): AsyncIterator<string | Buffer>;
}
export interface Writable {
  isTTY?: boolean;
  columns?: number;
  write(chunk: string): unknown;
}

export interface Streams {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
}

export interface ContextInit {
  globals: GlobalOptions;
  streams: Streams;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** the stop signal: first Ctrl-C / SIGTERM (its reason is an Interrupted with the exit code) */
  signal: AbortSignal;
  /** aborts requests in flight: a second Ctrl-C */
  abortSignal?: AbortSignal;
  version: string;
  /** the provider whose profile this command uses */
  provider?: Provider;
  /** for tests: replace the clock */
  now?: () => number;
  /** how often a long run without a terminal reports progress (default 10 s) */
  progressIntervalMs?: number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms));
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export class Context {
  readonly globals: GlobalOptions;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly signal: AbortSignal;
  readonly abortSignal?: AbortSignal;
  readonly version: string;
  readonly provider?: Provider;
  readonly secrets = new SecretRegistry();
  readonly out: Output;
  readonly style: Styler;
  readonly errStyle: Styler;
  readonly now: () => number;
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** a long run without a terminal prints a progress line this often */
  readonly progressIntervalMs: number;
  /** requests --dry-run did not send, printed as one JSON document at the end with --json */
  readonly dryRunRecords: DryRunRecord[] = [];
  private readonly streams: Streams;
  private configPromise?: Promise<LoadedConfig | null>;
  private profiles = new Map<Provider, Promise<ResolvedProfile>>();
  private clients = new Map<string, Promise<HttpClient>>();
  private warned = new Set<string>();
  /** a request that can change something (not GET/HEAD) was sent to a server */
  private sentChange = false;
  private stoppingNoted = false;
  private sandboxPromise?: Promise<import('./sandbox/session.js').Sandbox>;

  constructor(init: ContextInit) {
    this.globals = init.globals;
    this.streams = init.streams;
    this.env = init.env;
    this.cwd = init.cwd;
    this.signal = init.signal;
    this.abortSignal = init.abortSignal;
    this.version = init.version;
    this.provider = init.provider;
    this.now = init.now ?? (() => Date.now());
    this.sleep = init.sleep ?? defaultSleep;
    // TASKCTL_PROGRESS_INTERVAL_MS is a knob for tests of the built binary (not documented for users)
    this.progressIntervalMs = init.progressIntervalMs ?? (Number(init.env.TASKCTL_PROGRESS_INTERVAL_MS) || 10_000);
    const level = colorLevel(init.globals, init.env, Boolean(init.streams.stdout.isTTY));
    const errLevel = colorLevel(init.globals, init.env, Boolean(init.streams.stderr.isTTY));
    this.style = level ? new Chalk({ level }) : plainStyler;
    this.errStyle = errLevel ? new Chalk({ level: errLevel }) : plainStyler;
    this.out = new Output({
      write: (t) => this.writeOut(t),
      tty: Boolean(init.streams.stdout.isTTY),
      styler: this.style,
      json: init.globals.json,
      query: init.globals.query,
      width: init.streams.stdout.columns,
      wide: init.globals.wide,
      columns: init.globals.columns,
      localTime: init.globals.localTime,
      warn: (m) => this.warn(m),
      changedSomething: () => this.sentChange,
    });
  }

  get stdoutIsTTY(): boolean {
    return Boolean(this.streams.stdout.isTTY);
  }
  get stderrIsTTY(): boolean {
    return Boolean(this.streams.stderr.isTTY);
  }
  get stdinIsTTY(): boolean {
    return Boolean(this.streams.stdin.isTTY);
  }
  get stderrColumns(): number {
    return this.streams.stderr.columns ?? 80;
  }
  /** progress bars and spinners: only on a terminal, never with --json */
  get showProgress(): boolean {
    return this.stderrIsTTY && !this.globals.json;
  }
  /** prompts: only when stdin and stdout are terminals, CI is unset and --no-input was not given */
  get canPrompt(): boolean {
    return this.stdinIsTTY && this.stdoutIsTTY && !this.env.CI && this.globals.input;
  }

  /**
   * The raw stdout for binary data (a download to `-o -`). Bytes go through unchanged: no secret
   * scrubbing, which would corrupt them, so write only data that came from elsewhere, never messages.
   */
  get rawStdout(): Writable {
    return this.streams.stdout;
  }

  writeOut(text: string): void {
    this.streams.stdout.write(this.secrets.scrub(text));
  }
  /**
   * writeOut for output written in many large pieces: waits while stdout's reader is behind (a pipe into
   * jq), so the pieces are not all queued in memory at once.
   */
  async writeOutPaced(text: string): Promise<void> {
    if (this.streams.stdout.write(this.secrets.scrub(text)) !== false) return;
    const out = this.streams.stdout as Partial<NodeJS.WritableStream>;
    if (!out.once || !out.off) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        for (const e of ['drain', 'close', 'error']) out.off!(e, done);
        resolve();
      };
      for (const e of ['drain', 'close', 'error']) out.once!(e, done);
    });
  }
  /** raw stderr (progress bars); secrets are scrubbed */
  writeErr(text: string): void {
    this.streams.stderr.write(this.secrets.scrub(text));
  }
  /** requests sleeping through a retry wait the server asked for (a 429's reset, Retry-After) */
  retryWaits = 0;
  private readonly retryWaitListeners = new Set<() => void>();
  /** `fn` is told whenever retryWaits changes (the multi-id runner lets other ids use a waiting one's turn); returns the unsubscribe */
  onRetryWaits(fn: () => void): () => void {
    this.retryWaitListeners.add(fn);
    return () => this.retryWaitListeners.delete(fn);
  }
  private retryWait(delta: number): void {
    this.retryWaits += delta;
    for (const fn of this.retryWaitListeners) fn();
  }
  /** one line of stderr */
  info(line: string): void {
    this.writeErr(`${line}\n`);
  }
  /**
   * The first Ctrl-C / SIGTERM came while requests were on the wire: say that the run is stopping and what it
   * waits for (a slow server can hold them up to --timeout), and how to stop at once. Once per run.
   */
  noteStopping(): void {
    if (this.stoppingNoted) return;
    this.stoppingNoted = true;
    const again = interruptCode(this.signal) === ExitCode.TERMINATED ? 'a second signal' : 'Ctrl-C again';
    this.info(`taskctl: stopping: nothing more is sent; waiting for the answers to the requests in flight (${again} stops at once)`);
  }
  /** The one hint every list prints when more items exist than it showed (spec/CLI.md "Lists"). */
  moreHint(shown: number): void {
    this.info(`${shown} shown; --all for every item`);
  }
  warn(message: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    this.writeErr(`${this.errStyle.yellow('taskctl: warning:')} ${message}\n`);
  }

  async readStdin(): Promise<string> {
    if (this.streams.stdin.isTTY && !this.globals.input) throw new UsageError('reading standard input needs input, but --no-input was given');
    const chunks: string[] = [];
    for await (const c of this.streams.stdin) chunks.push(typeof c === 'string' ? c : c.toString('utf8'));
    return chunks.join('');
  }

  /** --sandbox or TASKCTL_SANDBOX=1 */
  get sandbox(): boolean {
    return Boolean(this.globals.sandbox) || this.env.TASKCTL_SANDBOX === '1';
  }

  /** The in-process sandbox (started on first use; its state saved and its servers closed by closeSandbox). */
  sandboxSession(): Promise<import('./sandbox/session.js').Sandbox> {
    this.sandboxPromise ??= (async () => {
      const { openSandbox, defaultStateFile, replacedWarning } = await import('./sandbox/session.js');
      const sb = await openSandbox({ stateFile: defaultStateFile(this.env) });
      if (sb.replaced) this.warn(replacedWarning(sb.stateFile));
      if (sb.fresh) {
        // two lines, so neither wraps at 80 columns
        this.info(this.errStyle.dim('taskctl: sandbox: emulated servers with demo data, nothing real is touched'));
        this.info(this.errStyle.dim(`taskctl: sandbox: state in ${sb.stateFile}; \`taskctl sandbox reset\` starts over`));
      }
      return sb;
    })();
    return this.sandboxPromise;
  }

  async closeSandbox(): Promise<void> {
    if (!this.sandboxPromise) return;
    const sb = await this.sandboxPromise.catch(() => null);
    if (!sb) return;
    try {
      await sb.save();
    } finally {
      await sb.close();
    }
  }

  /** --config / TASKCTL_CONFIG, when given */
  get explicitConfig(): string | undefined {
    return this.globals.config ?? (this.env.TASKCTL_CONFIG || undefined);
  }

  /**
   * The config in effect: the user file and the nearest trusted project file merged, or the --config file.
   * An untrusted or changed project file, or a file another user owns or others can write, is exit 3.
   */
  config(): Promise<LoadedConfig | null> {
    // the sandbox reads no config file: a broken .openhimrc is irrelevant to it
    if (this.sandbox) return Promise.resolve(null);
    if (!this.configPromise) {
      this.configPromise = (async () => {
        const { loadConfig, holdsLiteralSecret } = await import('./config/load.js');
        const config = await loadConfig({ explicit: this.explicitConfig, cwd: this.cwd, env: this.env });
        for (const file of config?.files ?? []) {
          for (const w of file.warnings) this.warn(w);
          if ((file.mode & 0o077) !== 0 && holdsLiteralSecret(file)) {
            this.warn(`${file.filepath} holds a secret and is readable by others (mode ${file.mode.toString(8)}); run: chmod 600 ${file.filepath}`);
          }
        }
        return config;
      })();
    }
    return this.configPromise;
  }

  /** Forget the loaded config and profiles (after this command rewrote a config file). */
  reloadConfig(): void {
    this.configPromise = undefined;
    this.profiles.clear();
  }

  /** The profile this command uses (spec/CLI.md selection rules), with its secret registered for scrubbing. */
  profile(provider: Provider = this.requireProvider()): Promise<ResolvedProfile> {
    let p = this.profiles.get(provider);
    if (!p) {
      p = (async () => {
        if (this.sandbox) {
          const profile = (await this.sandboxSession()).profile(provider);
          this.secrets.add(profile.secret);
          return profile;
        }
        const { selectProfileName, resolveProfile } = await import('./config/resolve.js');
        const config = await this.config();
        const name = selectProfileName(config, { provider, flag: this.globals.profile, env: this.env });
        const profile = resolveProfile(config, name, provider, this.env);
        this.secrets.add(profile.secret);
        return profile;
      })();
      this.profiles.set(provider, p);
    }
    return p;
  }

  private requireProvider(): Provider {
    if (!this.provider) throw new ConfigError('this command does not belong to a provider');
    return this.provider;
  }

  /**
   * An HTTP client for the profile's server with the flags' TLS, timeout and retry settings.
   * `key` distinguishes several clients of one provider (e.g. an unauthenticated one).
   */
  httpClient(profile: ResolvedProfile, key = 'default', extra: { timeoutMs?: number } = {}): Promise<HttpClient> {
    const id = `${profile.provider}:${profile.name}:${key}`;
    let c = this.clients.get(id);
    if (!c) {
      c = (async () => {
        const { HttpClient } = await import('./http/client.js');
        const { fieldSources, fieldSource } = await import('./config/resolve.js');
        const insecure = this.globals.insecure || profile.values.insecure;
        if (insecure) this.warn('TLS certificate verification is off (--insecure): the connection can be intercepted');
        return new HttpClient({
          baseUrl: profile.values.url,
          transport: {
            ca: this.globals.ca ? this.resolvePath(this.globals.ca) : profile.values.ca,
            caSource: this.globals.ca ? (this.globals.caFromEnv ? 'TASKCTL_CA' : '--ca') : fieldSource(profile, 'ca'),
            insecure,
            connections: this.globals.concurrency,
            timeoutMs: extra.timeoutMs ?? this.globals.timeout,
            env: this.env,
          },
          retries: this.globals.retries,
          timeoutMs: extra.timeoutMs ?? this.globals.timeout,
          verbose: this.globals.verbose,
          dryRun: this.globals.dryRun,
          concurrency: this.globals.concurrency,
          secrets: this.secrets,
          log: (line) => this.info(this.errStyle.dim(line)),
          onDryRun: (rec) => this.printDryRun(rec),
          signal: this.signal,
          abortSignal: this.abortSignal,
          onSend: (mutates) => {
            if (mutates) this.sentChange = true;
          },
          onStopWhileSending: () => this.noteStopping(),
          onRetryWait: (delta) => this.retryWait(delta),
          sleep: this.sleep,
          now: this.now,
          userAgent: `taskctl/${this.version} node/${process.versions.node}`,
          sources: fieldSources(profile),
        });
      })();
      this.clients.set(id, c);
    }
    return c;
  }

  resolvePath(p: string): string {
    return p.startsWith('/') ? p : `${this.cwd}/${p}`;
  }

  private printDryRun(rec: DryRunRecord): void {
    if (this.globals.json) {
      this.dryRunRecords.push(rec);
      return;
    }
    const lines = [`${rec.method} ${rec.url}`, ...Object.entries(rec.headers).map(([k, v]) => `${k}: ${v}`)];
    if (rec.body !== undefined) lines.push('', typeof rec.body === 'string' ? rec.body : JSON.stringify(rec.body, null, 2));
    this.writeOut(`${lines.join('\n')}\n\n`);
  }

  /**
   * Fails at once when a confirmation could not be asked (no terminal, --no-input, CI) and --yes was not
   * given: for commands that must read from the server before they know what to ask, so that they refuse
   * before sending anything at all.
   */
  requireConfirmable(what: string): void {
    if (this.globals.yes || this.globals.dryRun || this.canPrompt) return;
    throw new UsageError(`${what}: confirmation needed`, { hint: 'pass --yes to confirm without a terminal' });
  }

  /**
   * Confirmation for destructive commands: --yes skips it; without a terminal (or with --no-input / CI)
   * it fails with exit 2; at a terminal it asks on stderr, default No. --dry-run never asks (nothing is sent).
   */
  async confirm(question: string): Promise<void> {
    if (this.globals.yes || this.globals.dryRun) return;
    this.requireConfirmable(question.replace(/\?$/, ''));
    const { confirm } = await import('@inquirer/prompts');
    const ok = await this.prompt((context) => confirm({ message: question, default: false }, context));
    if (!ok) throw new ExitWith(2, 'cancelled; nothing was sent');
  }

  /** Masked secret input at a terminal. */
  async promptSecret(message: string): Promise<string> {
    const { password } = await import('@inquirer/prompts');
    return this.prompt((context) => password({ message, mask: '*' }, context));
  }

  async promptText(message: string, def?: string, validate?: (v: string) => true | string): Promise<string> {
    const { input } = await import('@inquirer/prompts');
    return this.prompt((context) => input({ message, default: def, validate }, context));
  }

  async promptYesNo(message: string, def: boolean): Promise<boolean> {
    const { confirm } = await import('@inquirer/prompts');
    return this.prompt((context) => confirm({ message, default: def }, context));
  }

  async promptSelect<T extends string>(message: string, choices: readonly T[], def?: T): Promise<T> {
    const { select } = await import('@inquirer/prompts');
    return this.prompt((context) => select({ message, choices: choices.map((c) => ({ value: c, name: c })), default: def }, context));
  }

  /**
   * Runs one prompt on stderr (stdout stays data). Ctrl-C (a keypress in raw mode, not a signal) and Esc
   * end it: exit 130, "cancelled; nothing was sent".
   */
  private async prompt<T>(ask: (context: { input: NodeJS.ReadableStream; output: NodeJS.WritableStream; signal: AbortSignal; clearPromptOnDone: boolean }) => Promise<T>): Promise<T> {
    const esc = new AbortController();
    const input = this.streams.stdin as unknown as NodeJS.ReadableStream;
    const onKey = (_: unknown, key?: { name?: string }) => {
      if (key?.name === 'escape') esc.abort(new Error('escape'));
    };
    input.on?.('keypress', onKey);
    try {
      return await ask({ input, output: this.streams.stderr as unknown as NodeJS.WritableStream, signal: AbortSignal.any([this.signal, esc.signal]), clearPromptOnDone: false });
    } catch (err) {
      if (isPromptCancel(err)) {
        this.writeErr('\n');
        throw new Interrupted('cancelled; nothing was sent');
      }
      throw err;
    } finally {
      input.off?.('keypress', onKey);
    }
  }
}

function colorLevel(g: GlobalOptions, env: NodeJS.ProcessEnv, tty: boolean): 0 | 1 | 2 | 3 {
  if (!g.color || 'NO_COLOR' in env) return 0;
  const force = env.FORCE_COLOR;
  if (force !== undefined) {
    if (force === '0' || force === 'false') return 0;
    if (force === '2') return 2;
    if (force === '3') return 3;
    return 1;
  }
  if (!tty || env.TERM === 'dumb') return 0;
  return env.COLORTERM === 'truecolor' ? 3 : 2;
}
