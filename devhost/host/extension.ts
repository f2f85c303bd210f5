// How trigger and binding extensions (Service Bus, Durable, Event Grid, timers) plug into the host.
// The host owns registration and invocation; an extension drives its triggers by calling
// `host.invoke`, supplies input bindings it owns (e.g. durableClient) and delivers outputs it owns
// (e.g. serviceBus). Every invocation goes through the library's ProgrammingModel.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RpcBindingInfo, RpcRetryContext, RpcTypedData } from './coreTypes';
import type { HostSettings } from './settings';

export interface RegisteredFunction {
  readonly name: string;
  /** Binding infos by binding name, as the library generated them. */
  readonly bindings: Readonly<Record<string, RpcBindingInfo>>;
  readonly trigger: { readonly name: string; readonly type: string; readonly binding: RpcBindingInfo };
}

export interface InvocationInput {
  /** Chosen by the caller when it must know the id before the invocation starts (HTTP streaming). */
  invocationId?: string;
  /** Data for the trigger binding. */
  trigger: RpcTypedData;
  triggerMetadata?: Record<string, RpcTypedData>;
  retryContext?: RpcRetryContext;
}

export interface InvocationOutcome {
  invocationId: string;
  /** The function's return value as the library converted it (Durable passes orchestrator state here). */
  returnValue?: RpcTypedData | null;
  /** Extra outputs by binding name (already delivered to their extensions when `error` is absent). */
  outputs: Record<string, RpcTypedData>;
  /** Set when the function, a hook or an output binding failed. */
  error?: Error;
}

export interface HostLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  debug(message: string): void;
}

export interface Host {
  readonly settings: HostSettings;
  readonly functions: readonly RegisteredFunction[];
  readonly log: HostLogger;
  /** Invokes a function through the programming model, hooks and output bindings included. Never throws for function errors: see `error`. */
  invoke(functionName: string, input: InvocationInput): Promise<InvocationOutcome>;
}

export type InputBindingProvider = (fn: RegisteredFunction, binding: RpcBindingInfo) => RpcTypedData | Promise<RpcTypedData>;
export type OutputBindingDelivery = (fn: RegisteredFunction, binding: RpcBindingInfo, data: RpcTypedData) => Promise<void>;

/** What `devhost` prints for a function at start, like `func start` does. */
export interface FunctionListing {
  functionName: string;
  description: string;
}

export interface HostExtension {
  readonly name: string;
  /** Trigger binding types this extension drives, e.g. `serviceBusTrigger`. */
  readonly triggerTypes: readonly string[];
  /** Input binding types whose data this extension supplies, e.g. `durableClient`. */
  readonly inputBindings?: Readonly<Record<string, InputBindingProvider>>;
  /** Output binding types this extension delivers, e.g. `serviceBus`. */
  readonly outputBindings?: Readonly<Record<string, OutputBindingDelivery>>;
  /** Called once all functions are registered; start listeners and schedules here. */
  start(host: Host): Promise<void>;
  /** Stop listening and let in-flight work finish. */
  stop(): Promise<void>;
  /** Requests under /runtime/webhooks/... (or other host paths) this extension serves. Returns true when handled. */
  handleHttp?(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean>;
  /** A line per function this extension drives, printed at start. */
  describe?(fn: RegisteredFunction): string | undefined;
}
