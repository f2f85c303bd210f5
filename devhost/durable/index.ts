// devhost's Durable Functions support: the extension the host registers, and the engine's parts for tests and benchmarks.
import type { HostExtension } from '../host/extension';
import { DurableExtension, type DurableExtensionOptions } from './extension';

export { DurableExtension, readDurableTaskSettings, type DurableExtensionOptions, type DurableTaskSettings } from './extension';
export { DurableEngine, type EngineHost, type EngineOptions } from './engine';
export { InstanceStore } from './store';
export { systemClock, type Clock } from './clock';

export function createDurableExtension(options: DurableExtensionOptions): HostExtension {
  return new DurableExtension(options);
}
