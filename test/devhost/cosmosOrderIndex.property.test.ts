// devhost's Cosmos ordered indexes change what a query costs, never what it returns: after any
// sequence of creates, replaces, upserts and deletes, every query gives the same rows from an
// indexed container as from the library's own full scan (fast-check over random documents).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import Account from '@vercel/cosmosdb-server/lib/account';
import Documents from '@vercel/cosmosdb-server/lib/account/documents';
import { installOrderIndexes } from '../../devhost/emulators/cosmosOrderIndex';

// Small first prefixes, so that the small containers generated here are read in several prefixes.
class IndexedDocuments extends Documents {}
installOrderIndexes(IndexedDocuments as unknown as Parameters<typeof installOrderIndexes>[0], { firstPrefix: 1 });
class DefaultIndexedDocuments extends Documents {}
installOrderIndexes(DefaultIndexedDocuments as unknown as Parameters<typeof installOrderIndexes>[0]);

type Doc = Record<string, unknown>;
interface Store {
  create(data: Doc): unknown;
  upsert(data: Doc): unknown;
  delete(id: string, partition: unknown): void;
  query(params: { query: string; parameters?: { name: string; value: unknown }[] }, options: { maxItemCount?: number }): { result: unknown[] } | null;
}

function container(indexed: false | typeof IndexedDocuments): Store {
  const account = new Account('127.0.0.1', 0);
  account.databases.create({ id: 'db' });
  account.database('db').collections.create({
    id: 'c',
    partitionKey: { paths: ['/pk'], kind: 'Hash' },
    indexingPolicy: { compositeIndexes: [[{ path: '/priority', order: 'descending' }, { path: '/seq', order: 'ascending' }]] },
  });
  const documents = account.database('db').collection('c').documents;
  if (indexed) Object.setPrototypeOf(documents, indexed.prototype);
  return documents as unknown as Store;
}

// Values of every JSON type, so the index must order mixed types as the library does. Arrays and
// objects, which the library cannot order consistently, come rarely (the index is then used most of
// the time) or often (it must stand aside).
function operationsArb(irregularWeight: number) {
  const valueArb = fc.oneof(
    { arbitrary: fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom('a', 'b', 'c'), fc.constant(null), fc.boolean(), fc.constant(undefined)), weight: 30 },
    { arbitrary: fc.oneof(fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 2 }), fc.record({ x: fc.integer({ min: 0, max: 2 }) })), weight: irregularWeight },
  );
  const docArb = fc.record({ id: fc.integer({ min: 0, max: 30 }).map(String), pk: fc.constantFrom('s1', 's2'), priority: valueArb, seq: valueArb, nested: fc.record({ v: valueArb }) });
  const operationArb = fc.oneof(
    docArb.map((doc) => ({ kind: 'upsert' as const, doc })),
    docArb.map((doc) => ({ kind: 'create' as const, doc })),
    fc.record({ kind: fc.constant('delete' as const), id: fc.integer({ min: 0, max: 30 }).map(String), pk: fc.constantFrom('s1', 's2') }),
  );
  return fc.array(operationArb, { minLength: 4, maxLength: 60 });
}
const noIndexQuery = 'SELECT TOP @n * FROM q ORDER BY q.priority ASC, q.seq ASC';
const queries = [
  'SELECT TOP @n * FROM q WHERE q.pk = @pk ORDER BY q.priority DESC, q.seq ASC',
  'SELECT TOP @n q.id, q.priority FROM q WHERE q.pk = @pk ORDER BY q.priority DESC, q.seq ASC',
  'SELECT TOP @n * FROM q ORDER BY q.seq',
  'SELECT TOP @n * FROM q ORDER BY q.seq DESC',
  'SELECT TOP @n VALUE q.id FROM q WHERE q.priority > 0 ORDER BY q.nested.v',
  'SELECT TOP @n * FROM q WHERE IS_STRING(q.seq) ORDER BY q["seq"] ASC',
  // No composite index serves this ORDER BY: both refuse it the same way.
  noIndexQuery,
  'SELECT VALUE COUNT(1) FROM q WHERE q.pk = @pk',
  'SELECT * FROM q WHERE q.pk = @pk ORDER BY q.priority DESC, q.seq ASC',
];

function run(store: Store, query: string, n: number, pk: string): unknown {
  try {
    const parameters = [
      { name: '@n', value: n },
      { name: '@pk', value: pk },
    ].filter((p) => query.includes(p.name));
    // Everything the server adds on its own (ETag, timestamp) differs between two containers.
    return (store.query({ query, parameters }, {})?.result ?? []).map((row) => (typeof row === 'object' && row !== null ? { ...row, _etag: undefined, _ts: undefined } : row));
  } catch (err) {
    return { error: (err as Error).message };
  }
}

function apply(store: Store, operation: { kind: 'upsert' | 'create'; doc: Doc } | { kind: 'delete'; id: string; pk: string }): void {
  try {
    if (operation.kind === 'delete') store.delete(operation.id, operation.pk);
    else if (operation.kind === 'create') store.create({ ...operation.doc });
    else store.upsert({ ...operation.doc });
  } catch {
    // conflicts and missing documents fail alike in both containers
  }
}

describe('devhost Cosmos ordered indexes', () => {
  for (const [label, irregularWeight] of [['primitive values', 1], ['arrays and objects among them', 12]] as const) {
    it(`answer every query exactly as a full scan does, through any sequence of writes (${label})`, () => {
      const outcomes = { rows: 0, empty: 0, errors: 0 };
      fc.assert(
        fc.property(operationsArb(irregularWeight), fc.array(fc.record({ query: fc.constantFrom(...queries), n: fc.integer({ min: 1, max: 12 }), pk: fc.constantFrom('s1', 's2'), after: fc.nat() }), { minLength: 1, maxLength: 6 }), (operations, probes) => {
          const plain = container(false);
          const indexed = container(IndexedDocuments);
          const at = new Map<number, typeof probes>();
          for (const probe of probes) {
            const step = operations.length - Math.floor((probe.after % (operations.length + 1)) / 2);
            at.set(step, [...(at.get(step) ?? []), probe]);
          }
          for (let step = 0; step <= operations.length; step++) {
            for (const probe of at.get(step) ?? []) {
              const expected = run(plain, probe.query, probe.n, probe.pk);
              assert.deepEqual(run(indexed, probe.query, probe.n, probe.pk), expected, `${probe.query} n=${probe.n} after ${step} writes`);
              if (!Array.isArray(expected)) outcomes.errors += probe.query === noIndexQuery ? 0 : 1;
              else if (expected.length === 0) outcomes.empty++;
              else outcomes.rows++;
            }
            const operation = operations[step];
            if (operation) {
              apply(plain, operation);
              apply(indexed, operation);
            }
          }
        }),
        { numRuns: 500 },
      );
      // The comparison is only worth something if most queries return rows.
      assert.ok(outcomes.rows > outcomes.empty + outcomes.errors, JSON.stringify(outcomes));
      assert.equal(outcomes.errors, 0);
    });
  }

  it('hands the query only a prefix of the order for a TOP query over a large container, kept current by writes', () => {
    const indexed = container(DefaultIndexedDocuments);
    for (let i = 0; i < 20_000; i++) indexed.create({ id: `t${i}`, pk: 's1', priority: i % 3, seq: `o${String(i).padStart(6, '0')}` });
    const query = 'SELECT TOP @n * FROM q WHERE q.pk = @pk ORDER BY q.priority DESC, q.seq ASC';
    // Count the documents the query library is handed: a full scan hands it all 20,000.
    const compiled = (indexed as unknown as { _getQuery(sql: string): { exec(docs: unknown[], options: unknown): unknown } })._getQuery(query);
    const exec = compiled.exec.bind(compiled);
    const handed: number[] = [];
    compiled.exec = (docs, options) => {
      handed.push(docs.length);
      return exec(docs, options);
    };
    const rows = run(indexed, query, 5, 's1') as Doc[];
    assert.deepEqual(
      rows.map((r) => r.id),
      ['t2', 't5', 't8', 't11', 't14'],
    );
    assert.deepEqual(handed, [64]);
    indexed.create({ id: 'late', pk: 's1', priority: 9, seq: 'z' });
    indexed.delete('t5', 's1');
    handed.length = 0;
    assert.deepEqual(
      (run(indexed, query, 3, 's1') as Doc[]).map((r) => r.id),
      ['late', 't2', 't8'],
    );
    assert.deepEqual(handed, [64]);
  });
});
