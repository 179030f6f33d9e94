import { type ChildProcess, fork } from 'node:child_process';

/** The methods a child process answers: one parameter in, a structured-cloneable value out. */
// biome-ignore lint/suspicious/noExplicitAny: each API names its own parameter types.
export type ChildAPI = Record<string, (params: any) => unknown>;

interface CallMessage {
  id: number;
  method: string;
  params: unknown;
}

interface ReplyMessage {
  id: number;
  result?: unknown;
  error?: string;
}

// A child that has not answered by then is stuck; the run must end rather than hang CI.
const callTimeoutMs = 60_000;
const exitTimeoutMs = 5_000;

/** A forked TypeScript child that answers calls over the IPC channel. */
export class Child<API extends ChildAPI> {
  readonly #process: ChildProcess;
  readonly #pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  #nextId = 0;

  private constructor(entry: string) {
    // Set explicitly: the parent's --cpu-prof and --expose-gc must not reach the children.
    this.#process = fork(entry, [], { execArgv: ['--import', 'tsx'], serialization: 'advanced', stdio: 'inherit' });
    this.#process.on('message', (message: ReplyMessage) => this.#settle(message));
    this.#process.on('exit', (code) => {
      for (const { reject } of this.#pending.values()) reject(new Error(`${entry} exited with code ${code}`));
      this.#pending.clear();
    });
  }

  static start<API extends ChildAPI>(entry: string): Child<API> {
    return new Child<API>(entry);
  }

  call<M extends keyof API & string>(method: M, params?: Parameters<API[M]>[0]): Promise<Awaited<ReturnType<API[M]>>> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`${method}() got no answer within ${callTimeoutMs} ms`));
      }, callTimeoutMs);
      this.#pending.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value as Awaited<ReturnType<API[M]>>);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.#process.send({ id, method, params } satisfies CallMessage);
    });
  }

  /** Disconnects (the child then exits by itself), and kills it if it lingers. */
  stop(): Promise<void> {
    const child = this.#process;
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => child.kill(), exitTimeoutMs);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      if (child.connected) child.disconnect();
    });
  }

  #settle(message: ReplyMessage): void {
    const pending = this.#pending.get(message.id);
    if (!pending) return;
    this.#pending.delete(message.id);
    if (message.error !== undefined) pending.reject(new Error(message.error));
    else pending.resolve(message.result);
  }
}

/** Runs in the child: answers the parent's calls, and exits when the parent goes away. */
export function answerCalls<API extends ChildAPI>(api: API): void {
  process.on('message', async (message: CallMessage) => {
    const handler = api[message.method];
    let reply: ReplyMessage;
    try {
      if (!handler) throw new Error(`no method ${message.method}()`);
      reply = { id: message.id, result: await handler(message.params) };
    } catch (error) {
      reply = { id: message.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
    }
    process.send?.(reply);
  });
  process.on('disconnect', () => process.exit(0));
}
