// devhost's `@azure/functions-core`: the module the real Node worker provides to @azure/functions.
// The library registers functions and hooks through it and hands it its ProgrammingModel.
import Module from 'node:module';
import type { Disposable, FunctionCallback, FunctionMetadata, HookCallback, HookName, ProgrammingModel, RpcLogCategory, RpcLogLevel } from './coreTypes';

export interface RegisteredCallback {
  readonly metadata: FunctionMetadata;
  readonly callback: FunctionCallback;
}

export type SystemLogSink = (level: RpcLogLevel, category: RpcLogCategory, message: string) => void;

class CoreDisposable implements Disposable {
  #dispose: (() => void) | undefined;
  constructor(dispose: () => void) {
    this.#dispose = dispose;
  }
  static from(...items: Disposable[]): CoreDisposable {
    return new CoreDisposable(() => items.forEach((item) => item.dispose()));
  }
  dispose(): void {
    this.#dispose?.();
    this.#dispose = undefined;
  }
}

export class FunctionsCore {
  readonly version = '3.10.1';
  readonly hostVersion = '4.1036.1';
  readonly Disposable = CoreDisposable;

  #programmingModel: ProgrammingModel | undefined;
  #functions = new Map<string, RegisteredCallback>();
  #hooks: Record<HookName, HookCallback[]> = { preInvocation: [], postInvocation: [], appStart: [], appTerminate: [], log: [] };
  #registrationOpen = true;
  #logSink: SystemLogSink;

  constructor(logSink: SystemLogSink) {
    this.#logSink = logSink;
  }

  // The library calls these as free functions (`coreApi.registerFunction(...)`), so they are arrow properties.
  setProgrammingModel = (model: ProgrammingModel): void => {
    this.#programmingModel = model;
  };

  getProgrammingModel = (): ProgrammingModel | undefined => this.#programmingModel;

  registerFunction = (metadata: FunctionMetadata, callback: FunctionCallback): Disposable => {
    if (!this.#registrationOpen) {
      throw new Error(`A function can only be registered during app startup ("${metadata.name}").`);
    }
    const key = metadata.name.toLowerCase();
    if (this.#functions.has(key)) throw new Error(`A function with the name "${metadata.name}" has already been registered.`);
    this.#functions.set(key, { metadata, callback });
    return new CoreDisposable(() => {
      if (!this.#registrationOpen) throw new Error('A function can only be disposed during app startup.');
      this.#functions.delete(key);
    });
  };

  registerHook = (name: string, callback: HookCallback): Disposable => {
    const hooks = this.#hooks[name as HookName];
    if (!hooks) throw new Error(`"${name}" is not a valid hook name.`);
    hooks.push(callback);
    return new CoreDisposable(() => {
      const index = hooks.indexOf(callback);
      if (index >= 0) hooks.splice(index, 1);
    });
  };

  log = (level: RpcLogLevel, category: RpcLogCategory, message: string): void => {
    this.#logSink(level, category, message);
  };

  /** Ends the app's startup: from now on functions cannot be (un)registered, as in the worker. */
  closeRegistration(): void {
    this.#registrationOpen = false;
  }

  get functions(): ReadonlyMap<string, RegisteredCallback> {
    return this.#functions;
  }

  hooks(name: HookName): readonly HookCallback[] {
    return this.#hooks[name];
  }
}

type RequireFunction = (this: NodeJS.Module, id: string) => unknown;

/**
 * Makes `require('@azure/functions-core')` return `core` in this process, as the worker's
 * setupCoreModule does. Returns a function that undoes it.
 */
export function installCoreModule(core: FunctionsCore): () => void {
  const proto = (Module as unknown as { prototype: { require: RequireFunction } }).prototype;
  const original = proto.require;
  proto.require = function require(this: NodeJS.Module, id: string): unknown {
    if (id === '@azure/functions-core') return core;
    return original.call(this, id);
  };
  return () => {
    proto.require = original;
  };
}
