// Instances live in memory; every change is appended as one JSON line to <dataDir>/<hub>.jsonl
// (history as deltas), and the file is compacted to one line per instance when the host starts.
// Appends are batched per tick, so an episode costs a few hundred bytes of buffered I/O, not an fsync.
import { appendFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { HistoryEvent } from './history';
import type { EntityRecord, OrchestrationInstance } from './instance';

type InstanceMeta = Omit<OrchestrationInstance, 'history'>;

type LogRecord =
  | { op: 'save'; meta: InstanceMeta; history: HistoryEvent[]; from: number }
  | { op: 'delete'; instanceId: string }
  | { op: 'entity'; entity: EntityRecord };

export class InstanceStore {
  readonly #instances = new Map<string, OrchestrationInstance>();
  readonly #entities = new Map<string, EntityRecord>();
  /** How many history events of each instance the log already holds. */
  readonly #persistedHistory = new Map<string, number>();
  readonly #file: string | undefined;
  #pending: string[] = [];
  #writing: Promise<void> = Promise.resolve();
  #flushScheduled = false;
  #writeError: Error | undefined;

  /** `dataDir` undefined keeps everything in memory. */
  constructor(dataDir: string | undefined, hubName: string) {
    this.#file = dataDir === undefined ? undefined : join(dataDir, `${hubName.toLowerCase()}.jsonl`);
  }

  get file(): string | undefined {
    return this.#file;
  }

  /** Reads the log (if any) and rewrites it compacted. */
  async load(): Promise<void> {
    if (this.#file === undefined) return;
    await mkdir(join(this.#file, '..'), { recursive: true });
    let text = '';
    try {
      text = await readFile(this.#file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      let record: LogRecord;
      try {
        record = JSON.parse(line) as LogRecord;
      } catch {
        // A torn last line from a killed process: everything before it is intact.
        continue;
      }
      if (record.op === 'delete') {
        this.#instances.delete(record.instanceId);
        continue;
      }
      if (record.op === 'entity') {
        this.#entities.set(record.entity.schedulerId, record.entity);
        continue;
      }
      const existing = this.#instances.get(record.meta.instanceId);
      const history = record.from === 0 || existing === undefined ? [] : existing.history.slice(0, record.from);
      history.push(...record.history);
      this.#instances.set(record.meta.instanceId, { ...record.meta, history });
    }
    const compacted = [
      ...[...this.#instances.values()].map((inst) => this.#record(inst, 0)),
      ...[...this.#entities.values()].map((entity) => `${JSON.stringify({ op: 'entity', entity } satisfies LogRecord)}\n`),
    ].join('');
    await writeFile(`${this.#file}.tmp`, compacted);
    await rename(`${this.#file}.tmp`, this.#file);
  }

  get(instanceId: string): OrchestrationInstance | undefined {
    return this.#instances.get(instanceId);
  }

  all(): IterableIterator<OrchestrationInstance> {
    return this.#instances.values();
  }

  get size(): number {
    return this.#instances.size;
  }

  /** Records an instance after a change; `historyRewritten` when events were replaced or removed, not only appended. */
  save(inst: OrchestrationInstance, historyRewritten = false): void {
    this.#instances.set(inst.instanceId, inst);
    if (this.#file === undefined) return;
    const persisted = this.#persistedHistory.get(inst.instanceId) ?? 0;
    const from = historyRewritten || persisted > inst.history.length ? 0 : persisted;
    this.#enqueue(this.#record(inst, from));
  }

  delete(instanceId: string): boolean {
    const existed = this.#instances.delete(instanceId);
    this.#persistedHistory.delete(instanceId);
    if (existed && this.#file !== undefined) this.#enqueue(`${JSON.stringify({ op: 'delete', instanceId })}\n`);
    return existed;
  }

  getEntity(schedulerId: string): EntityRecord | undefined {
    return this.#entities.get(schedulerId);
  }

  entities(): IterableIterator<EntityRecord> {
    return this.#entities.values();
  }

  saveEntity(entity: EntityRecord): void {
    this.#entities.set(entity.schedulerId, entity);
    if (this.#file !== undefined) this.#enqueue(`${JSON.stringify({ op: 'entity', entity } satisfies LogRecord)}\n`);
  }

  /** Waits until every change so far is on disk. */
  async flush(): Promise<void> {
    this.#startWrite();
    await this.#writing;
    if (this.#writeError) throw this.#writeError;
  }

  #record(inst: OrchestrationInstance, from: number): string {
    const { history, ...meta } = inst;
    this.#persistedHistory.set(inst.instanceId, history.length);
    const record: LogRecord = { op: 'save', meta, history: history.slice(from), from };
    return `${JSON.stringify(record)}\n`;
  }

  #enqueue(line: string): void {
    this.#pending.push(line);
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => this.#startWrite());
    }
  }

  #startWrite(): void {
    this.#flushScheduled = false;
    if (this.#pending.length === 0 || this.#file === undefined) return;
    const chunk = this.#pending.join('');
    this.#pending = [];
    const file = this.#file;
    this.#writing = this.#writing.then(
      () => appendFile(file, chunk),
    ).catch((err: unknown) => {
      this.#writeError = err instanceof Error ? err : new Error(String(err));
    });
  }
}
