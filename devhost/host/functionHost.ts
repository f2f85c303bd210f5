// The Functions host: loads an app's entry points through the real @azure/functions library,
// then invokes its functions the way the Node worker's InvocationHandler does.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { globSync } from 'tinyglobby';
import type { CoreInvocationContext, HookContext, HookName, ProgrammingModel, RpcBindingInfo, RpcInvocationResponse, RpcLogCategory, RpcLogLevel, RpcParameterBinding } from './coreTypes';
import { FunctionsCore, installCoreModule, type RegisteredCallback } from './coreModule';
import type { Host, HostExtension, InputBindingProvider, InvocationInput, InvocationOutcome, OutputBindingDelivery, RegisteredFunction } from './extension';
import { ConsoleLogger } from './logger';
import { resolveAppSettings } from './appSettingReference';
import type { HostSettings } from './settings';

export class FunctionTimeoutError extends Error {
  override name = 'FunctionTimeoutError';
}

function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  return new Error(typeof value === 'string' ? value : JSON.stringify(value));
}

function isTriggerType(type: string | null | undefined): boolean {
  return typeof type === 'string' && /trigger$/i.test(type);
}

interface LoadedFunction extends RegisteredFunction {
  readonly callback: RegisteredCallback['callback'];
  readonly functionId: string;
  readonly metadata: RegisteredCallback['metadata'];
}

export class FunctionHost implements Host {
  readonly settings: HostSettings;
  readonly log: ConsoleLogger;
  readonly extensions: readonly HostExtension[];
  readonly #core: FunctionsCore;
  #functions: LoadedFunction[] = [];
  #byName = new Map<string, LoadedFunction>();
  #uninstallCore: (() => void) | undefined;
  #programmingModel: ProgrammingModel | undefined;
  #appHookData: Record<string, unknown> = {};
  #deadlines = new Set<{ at: number; reject: (err: Error) => void; functionName: string }>();
  #sweeper: NodeJS.Timeout | undefined;
  /** Set by getCapabilities when the app called app.setup({ enableHttpStream: true }). */
  httpStreamUri: string | undefined;

  /** Binding types (lower case) to the extension that serves them, looked up on every invocation. */
  readonly #triggerTypes: ReadonlySet<string>;
  readonly #inputProviders: ReadonlyMap<string, InputBindingProvider>;
  readonly #outputDeliveries: ReadonlyMap<string, OutputBindingDelivery>;

  constructor(settings: HostSettings, extensions: readonly HostExtension[], log = new ConsoleLogger(settings.logLevel)) {
    this.settings = settings;
    this.extensions = extensions;
    this.log = log;
    this.#triggerTypes = new Set(['httptrigger', ...extensions.flatMap((e) => e.triggerTypes.map((t) => t.toLowerCase()))]);
    this.#inputProviders = new Map(extensions.flatMap((e) => Object.entries(e.inputBindings ?? {})).map(([type, provider]) => [type.toLowerCase(), provider]));
    this.#outputDeliveries = new Map(extensions.flatMap((e) => Object.entries(e.outputBindings ?? {})).map(([type, delivery]) => [type.toLowerCase(), delivery]));
    this.#core = new FunctionsCore((level, category, message) => this.#systemLog(level, category, message));
  }

  get functions(): readonly RegisteredFunction[] {
    return this.#functions;
  }

  #systemLog(level: RpcLogLevel, _category: RpcLogCategory, message: string): void {
    if (level === 'error' || level === 'critical') this.log.error(message);
    else if (level === 'warning') this.log.warn(message);
    else if (level === 'information') this.log.info(message);
    else this.log.debug(message);
  }

  /** Entry point files from package.json `main` (a path or glob), as the worker resolves them. */
  entryPoints(): string[] {
    const packageJson = JSON.parse(readFileSync(join(this.settings.appDir, 'package.json'), 'utf8')) as { main?: unknown };
    if (typeof packageJson.main !== 'string' || packageJson.main.length === 0) {
      throw new Error(`package.json in ${this.settings.appDir} has no "main": set it to your compiled function files, e.g. "dist/functions/*.js".`);
    }
    const files = globSync(packageJson.main, { cwd: this.settings.appDir, absolute: true }).sort();
    if (files.length === 0) {
      throw new Error(`package.json "main" (${packageJson.main}) matches no file in ${this.settings.appDir}: did you build the app?`);
    }
    return files;
  }

  /** Loads the app: requires its entry points (which register functions), then runs appStart hooks. */
  async load(): Promise<void> {
    this.#uninstallCore = installCoreModule(this.#core);
    for (const file of this.entryPoints()) {
      require(resolve(file));
    }
    this.#programmingModel = this.#core.getProgrammingModel();
    if (!this.#programmingModel) {
      throw new Error('The app registered no programming model: do its entry points import "@azure/functions"?');
    }
    const capabilities = (await this.#programmingModel.getCapabilities?.({})) ?? {};
    this.httpStreamUri = capabilities['HttpUri'];
    await this.#runHooks('appStart', { hookData: {}, appHookData: this.#appHookData, functionAppDirectory: this.settings.appDir });
    this.#core.closeRegistration();

    for (const { metadata, callback } of this.#core.functions.values()) {
      const bindings = resolveAppSettings(metadata.bindings);
      const triggerEntry = Object.entries(bindings).find(([, b]) => b.direction === 'in' && isTriggerType(b.type));
      if (!triggerEntry) throw new Error(`Function "${metadata.name}" has no trigger binding.`);
      const [triggerName, triggerBinding] = triggerEntry;
      const fn: LoadedFunction = {
        name: metadata.name,
        bindings,
        trigger: { name: triggerName, type: String(triggerBinding.type), binding: triggerBinding },
        callback,
        functionId: randomUUID(),
        metadata: { ...metadata, bindings },
      };
      this.#functions.push(fn);
      this.#byName.set(fn.name.toLowerCase(), fn);
    }
    this.#checkBindingsAreServed();
  }

  /** Fails fast, naming the function, when a binding type has no extension in devhost. */
  #checkBindingsAreServed(): void {
    for (const fn of this.#functions) {
      if (!this.#triggerTypes.has(fn.trigger.type.toLowerCase())) {
        throw new Error(`Function "${fn.name}": devhost has no extension for trigger type "${fn.trigger.type}".`);
      }
      for (const [name, binding] of Object.entries(fn.bindings)) {
        if (name === fn.trigger.name) continue;
        const type = String(binding.type).toLowerCase();
        const served = binding.direction === 'out' ? type === 'http' || this.#outputDeliveries.has(type) : this.#inputProviders.has(type);
        if (!served) {
          throw new Error(`Function "${fn.name}": devhost has no extension for ${binding.direction} binding "${name}" of type "${String(binding.type)}".`);
        }
      }
    }
  }

  find(name: string): RegisteredFunction | undefined {
    return this.#byName.get(name.toLowerCase());
  }

  async #runHooks(name: HookName, context: HookContext): Promise<void> {
    for (const hook of this.#core.hooks(name)) {
      await hook(context);
    }
  }

  async #inputData(fn: LoadedFunction, input: InvocationInput): Promise<RpcParameterBinding[]> {
    const data: RpcParameterBinding[] = [{ name: fn.trigger.name, data: input.trigger }];
    for (const [name, binding] of Object.entries(fn.bindings)) {
      if (name === fn.trigger.name || binding.direction !== 'in') continue;
      data.push({ name, data: await this.#inputProvider(binding)(fn, binding) });
    }
    return data;
  }

  #inputProvider(binding: RpcBindingInfo): InputBindingProvider {
    const provider = this.#inputProviders.get(String(binding.type).toLowerCase());
    if (!provider) throw new Error(`no extension supplies input bindings of type "${String(binding.type)}"`);
    return provider;
  }

  async #deliverOutputs(fn: LoadedFunction, response: RpcInvocationResponse): Promise<Record<string, InvocationOutcome['outputs'][string]>> {
    const outputs: InvocationOutcome['outputs'] = {};
    // A `return: output.X(...)` binding carries its value in returnValue, not outputData.
    const returned = fn.bindings['$return'] && response.returnValue ? [{ name: '$return', data: response.returnValue }] : [];
    for (const { name, data } of [...(response.outputData ?? []), ...returned]) {
      if (!name || !data) continue;
      outputs[name] = data;
      const binding = fn.bindings[name];
      const type = String(binding?.type).toLowerCase();
      if (!binding || type === 'http') continue;
      const delivery = this.#outputDeliveries.get(type);
      if (!delivery) throw new Error(`no extension delivers output bindings of type "${String(binding.type)}"`);
      await delivery(fn, binding, data);
    }
    return outputs;
  }

  async invoke(functionName: string, input: InvocationInput): Promise<InvocationOutcome> {
    const fn = this.#byName.get(functionName.toLowerCase());
    if (!fn) throw new Error(`no function named "${functionName}"`);
    const model = this.#programmingModel;
    if (!model) throw new Error('the app is not loaded');
    const invocationId = input.invocationId ?? randomUUID();
    const started = performance.now();
    const logDetail = this.log.enabled('Debug');
    if (logDetail) this.log.debug(`Executing 'Functions.${fn.name}' (Id=${invocationId})`);

    let inputData: RpcParameterBinding[];
    try {
      inputData = await this.#inputData(fn, input);
    } catch (err) {
      // An input binding that cannot be supplied fails this invocation, like any other error.
      const error = toError(err);
      this.log.error(`Executed 'Functions.${fn.name}' (Failed, Id=${invocationId}): input bindings: ${error.message}`);
      return { invocationId, outputs: {}, error };
    }
    const coreContext: CoreInvocationContext = {
      invocationId,
      request: {
        invocationId,
        functionId: fn.functionId,
        inputData,
        triggerMetadata: input.triggerMetadata ?? {},
        retryContext: input.retryContext ?? null,
        traceContext: { traceParent: null, traceState: null, attributes: {} },
      },
      metadata: { name: fn.name, bindings: fn.bindings, functionId: fn.functionId },
      log: (level, category, message) => {
        if (category === 'system') this.#systemLog(level, category, message);
        else this.log.invocation(level, fn.name, invocationId, message);
      },
    };

    try {
      const invocationModel = model.getInvocationModel(coreContext);
      const { context, inputs } = await invocationModel.getArguments();
      const hookData: Record<string, unknown> = {};
      const pre = { hookData, appHookData: this.#appHookData, invocationContext: context, inputs, functionCallback: fn.callback };
      coreContext.state = 'preInvocationHooks';
      await this.#runHooks('preInvocation', pre);
      coreContext.state = undefined;

      let result: unknown;
      let error: unknown;
      try {
        result = await this.#withTimeout(fn.name, invocationModel.invokeFunction(context, pre.inputs, pre.functionCallback));
      } catch (err) {
        error = err;
      }
      const post = { hookData, appHookData: this.#appHookData, invocationContext: context, inputs: pre.inputs, result, error };
      coreContext.state = 'postInvocationHooks';
      await this.#runHooks('postInvocation', post);
      coreContext.state = undefined;
      if (post.error !== undefined && post.error !== null) throw toError(post.error);

      const response = await invocationModel.getResponse(context, post.result);
      const outputs = await this.#deliverOutputs(fn, response);
      if (logDetail) this.log.debug(`Executed 'Functions.${fn.name}' (Succeeded, Id=${invocationId}, Duration=${Math.round(performance.now() - started)}ms)`);
      return { invocationId, returnValue: response.returnValue ?? null, outputs };
    } catch (err) {
      const error = toError(err);
      this.log.error(`Executed 'Functions.${fn.name}' (Failed, Id=${invocationId}, Duration=${Math.round(performance.now() - started)}ms): ${error.stack ?? error.message}`);
      return { invocationId, outputs: {}, error };
    }
  }

  /**
   * Races the function against host.json functionTimeout. One shared sweep timer serves every
   * in-flight invocation: a timer per invocation costs more than the trivial functions it guards.
   */
  #withTimeout<T>(functionName: string, work: Promise<T>): Promise<T> {
    const limit = this.settings.functionTimeoutMs;
    if (limit === undefined) return work;
    return new Promise<T>((resolve, reject) => {
      const deadline = { at: Date.now() + limit, reject, functionName };
      this.#deadlines.add(deadline);
      this.#sweeper ??= setInterval(() => this.#sweepDeadlines(), Math.min(250, limit)).unref();
      work.then(
        (value) => {
          this.#deadlines.delete(deadline);
          resolve(value);
        },
        (err: unknown) => {
          this.#deadlines.delete(deadline);
          reject(err);
        },
      );
    });
  }

  #sweepDeadlines(): void {
    const now = Date.now();
    for (const deadline of this.#deadlines) {
      if (deadline.at > now) continue;
      this.#deadlines.delete(deadline);
      deadline.reject(new FunctionTimeoutError(`Timeout value of ${this.settings.hostJson.functionTimeout ?? '00:30:00'} was exceeded by function: Functions.${deadline.functionName}`));
    }
  }

  async startExtensions(): Promise<void> {
    for (const extension of this.extensions) await extension.start(this);
  }

  async stop(): Promise<void> {
    clearInterval(this.#sweeper);
    for (const extension of [...this.extensions].reverse()) {
      try {
        await extension.stop();
      } catch (err) {
        this.log.error(`stopping ${extension.name}: ${toError(err).message}`);
      }
    }
    try {
      await this.#runHooks('appTerminate', { hookData: {}, appHookData: this.#appHookData });
    } finally {
      this.#uninstallCore?.();
    }
  }
}
