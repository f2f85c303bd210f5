// Ordered indexes for devhost's Cosmos emulator. @vercel/cosmosdb-server answers every query by
// copying and sorting the whole container, so `SELECT TOP n ... ORDER BY` over 10,000 documents
// costs hundreds of milliseconds where Cosmos DB reads the first n entries of its index. This keeps,
// per container and ORDER BY, the documents sorted the way the query library sorts them (maintained
// on every write), and answers a TOP query by running the library's own query over a growing prefix
// of that order: once a prefix yields n rows they are the first n rows of the whole container, so
// results are the library's, only the cost changes. Queries of any other shape go to the library.
import Documents from '@vercel/cosmosdb-server/lib/account/documents';

type Doc = Record<string, unknown>;
type Order = readonly [keys: readonly string[], descending: boolean];

interface QueryParams {
  query: string;
  parameters?: { name: string; value: unknown }[];
}
interface QueryOptions {
  maxItemCount?: number | null;
  continuation?: { token: string } | null;
}
interface CompiledQuery {
  ast: Record<string, unknown>;
  exec(docs: Doc[], options: Record<string, unknown>): { result: unknown[]; continuation: unknown };
}
/** The parts of the server's Documents class (lib/account/documents) devhost relies on (here and in cosmosPatchCondition.ts). */
export interface DocumentsInternals {
  _data: Map<string, { read(): Doc }>;
  _parent: { read(): { indexingPolicy?: { compositeIndexes?: unknown[] } } | null };
  _set(data: Doc): Doc;
  delete(idOrRid: string, partition: unknown): void;
  _item(keyPath: string, value: unknown, partition: unknown): { read(): Doc | undefined };
  _getQuery(sql: string): CompiledQuery;
  _userDefinedFunctions(): unknown;
  query(params: QueryParams, options: QueryOptions): unknown;
}

// The query library's ordering of JSON values (undefined < null < boolean < number < string <
// array < object; objects equal), which it does not export. An index must sort exactly as the
// library does, or a prefix would not hold the library's first rows.
const typeRank = ['undefined', 'null', 'boolean', 'number', 'string', 'array', 'object'];
function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
function compareValues(a: unknown, b: unknown): number {
  if (a === b) return 0;
  const typeA = typeOf(a);
  const typeB = typeOf(b);
  if (typeA === typeB) {
    if (typeA === 'object') return 0;
    return (a as string) < (b as string) ? -1 : 1;
  }
  return typeRank.indexOf(typeA) < typeRank.indexOf(typeB) ? -1 : 1;
}
function valueAt(doc: unknown, keys: readonly string[]): unknown {
  let value = doc;
  for (const key of keys) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Doc)[key];
    if (value === undefined) return undefined;
  }
  return value;
}

/**
 * Documents sorted by one ORDER BY, ties by `_rid` as the library breaks them. The library's order
 * is total only over primitive values (it compares arrays as strings and calls objects equal, so
 * its own result then depends on the order it was handed); while any document holds an array or an
 * object at an ordered path, the index stands aside and the library scans.
 */
class OrderIndex {
  readonly #orders: readonly Order[];
  readonly #docs: Doc[];
  #irregular = 0;

  constructor(orders: readonly Order[], docs: Iterable<Doc>) {
    this.#orders = orders;
    this.#docs = [...docs].sort((a, b) => this.#compare(a, b));
    this.#irregular = this.#docs.filter((doc) => this.#isIrregular(doc)).length;
  }

  #isIrregular(doc: Doc): boolean {
    return this.#orders.some(([keys]) => {
      const value = valueAt(doc, keys);
      return typeof value === 'object' && value !== null;
    });
  }

  /** True when the index orders its documents exactly as the library would. */
  get usable(): boolean {
    return this.#irregular === 0;
  }

  #compare(a: Doc, b: Doc): number {
    for (const [keys, descending] of this.#orders) {
      const r = compareValues(valueAt(a, keys), valueAt(b, keys));
      if (r !== 0) return descending ? -r : r;
    }
    return compareValues(a._rid, b._rid);
  }

  /** The position of the first document not before `doc`. */
  #position(doc: Doc): number {
    let low = 0;
    let high = this.#docs.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.#compare(this.#docs[middle] as Doc, doc) < 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  add(doc: Doc): void {
    this.#docs.splice(this.#position(doc), 0, doc);
    if (this.#isIrregular(doc)) this.#irregular++;
  }

  remove(doc: Doc): void {
    for (let i = this.#position(doc); i < this.#docs.length; i++) {
      const candidate = this.#docs[i] as Doc;
      if (candidate === doc) {
        this.#docs.splice(i, 1);
        if (this.#isIrregular(doc)) this.#irregular--;
        return;
      }
      if (this.#compare(candidate, doc) > 0) break;
    }
  }

  get size(): number {
    return this.#docs.length;
  }

  prefix(length: number): Doc[] {
    return this.#docs.slice(0, length);
  }
}

/** The ORDER BY of a query the index can answer, and its TOP; undefined for any other shape. */
function indexableShape(ast: Record<string, unknown>, parameters: QueryParams['parameters']): { orders: Order[]; top: number } | undefined {
  const body = ast.body as Record<string, any> | undefined;
  if (!body || body.type !== 'select_query' || !body.top || !body.orderBy || !body.from) return undefined;
  const known = new Set(['type', 'top', 'select', 'from', 'where', 'orderBy']);
  if (Object.entries(body).some(([key, value]) => !known.has(key) && value !== null && value !== undefined)) return undefined;
  // Aggregates fold the rows: a prefix's rows would not be the whole container's.
  if (JSON.stringify(body.select).includes('function')) return undefined;
  const source = body.from.source;
  if ((body.from.joins ?? []).length > 0 || source?.type !== 'from_source' || source.expression?.type !== 'collection_expression' || source.expression.expression?.type !== 'identifier') return undefined;
  const alias: string = source.alias?.name ?? source.expression.expression.name;

  const topValue = body.top.value;
  const top = topValue?.type === 'parameter_name' ? parameters?.find((p) => p.name === topValue.name)?.value : topValue?.value;
  if (typeof top !== 'number' || !Number.isInteger(top) || top < 0) return undefined;

  const orders: Order[] = [];
  for (const sort of body.orderBy.expressions ?? []) {
    const keys: string[] = [];
    let expression = sort.expression;
    while (expression?.type === 'scalar_member_expression') {
      const property = expression.property;
      if (!expression.computed && property?.type === 'identifier') keys.unshift(property.name);
      else if (expression.computed && property?.type === 'string_constant') keys.unshift(property.value);
      else return undefined;
      expression = expression.object;
    }
    if (expression?.type !== 'identifier' || expression.name !== alias || keys.length === 0) return undefined;
    orders.push([keys, sort.order === 'DESC']);
  }
  return orders.length > 0 ? { orders, top } : undefined;
}

const indexes = new WeakMap<object, Map<string, OrderIndex>>();

function indexesOf(documents: object): Map<string, OrderIndex> {
  let byOrder = indexes.get(documents);
  if (!byOrder) indexes.set(documents, (byOrder = new Map()));
  return byOrder;
}

/**
 * Replaces the server's Documents methods with index-maintaining ones (once per process).
 * `firstPrefix`: documents handed to the query first (then four times as many, and so on).
 */
export function installOrderIndexes(Documents: { prototype: DocumentsInternals }, { firstPrefix = 64 } = {}): void {
  const proto = Documents.prototype;
  const set = proto._set;
  const remove = proto.delete;
  const query = proto.query;

  proto._set = function (this: DocumentsInternals, data: Doc): Doc {
    const stored = set.call(this, data);
    for (const index of indexes.get(this)?.values() ?? []) index.add(stored);
    return stored;
  };

  proto.delete = function (this: DocumentsInternals, idOrRid: string, partition: unknown): void {
    const existing = this._item('/id', idOrRid, partition).read();
    remove.call(this, idOrRid, partition);
    if (existing) for (const index of indexes.get(this)?.values() ?? []) index.remove(existing);
  };

  proto.query = function (this: DocumentsInternals, params: QueryParams, options: QueryOptions): unknown {
    const collection = this._parent.read();
    if (!collection || options.continuation) return query.call(this, params, options);
    let compiled: CompiledQuery;
    try {
      compiled = this._getQuery(params.query);
    } catch {
      return query.call(this, params, options);
    }
    const shape = indexableShape(compiled.ast, params.parameters);
    const maxItemCount = options.maxItemCount ?? undefined;
    if (!shape || (maxItemCount !== undefined && maxItemCount > 0 && maxItemCount < shape.top)) return query.call(this, params, options);

    const key = JSON.stringify(shape.orders);
    const byOrder = indexesOf(this);
    let index = byOrder.get(key);
    if (!index) {
      index = new OrderIndex(shape.orders, [...this._data.values()].map((item) => item.read()));
      byOrder.set(key, index);
    }
    if (!index.usable) return query.call(this, params, options);
    const execOptions = {
      parameters: params.parameters,
      udf: this._userDefinedFunctions(),
      maxItemCount,
      compositeIndexes: collection.indexingPolicy?.compositeIndexes ?? [],
    };
    try {
      for (let length = Math.max(firstPrefix, shape.top * 2); ; length *= 4) {
        const answer = compiled.exec(index.prefix(length), execOptions);
        if (answer.result.length >= shape.top || length >= index.size) return answer;
      }
    } catch (err) {
      (err as { badRequest?: boolean }).badRequest = true;
      throw err;
    }
  };
}

/** Patches the server's own Documents class, behind every container of the emulator (once, at start). */
export function installOrderIndexesInCosmosServer(): void {
  installOrderIndexes(Documents as unknown as { prototype: DocumentsInternals });
}
