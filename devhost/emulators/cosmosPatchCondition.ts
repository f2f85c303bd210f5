// Conditional patches for devhost's Cosmos emulator. Cosmos DB applies a patch only when the
// document matches its filter predicate (`FROM c WHERE ...`), else it answers 412.
// @vercel/cosmosdb-server lower-cases the predicate (so `c.assignedAgentId` names no property and
// never matches) and runs it as a query over the whole container. This runs the predicate as it was
// given, with the server's own query library, over the one document patched, then lets the server
// apply the operations. It runs synchronously, so nothing writes between the check and the patch.
import type Collection from '@vercel/cosmosdb-server/lib/account/collection';
import * as patches from '@vercel/cosmosdb-server/lib/handler/_patch-operations';
import type { PatchOperationInput } from '@vercel/cosmosdb-server/lib/types';
import { parsePartitionKey } from '@vercel/cosmosdb-server/lib/utils/get-partition-from-header';
import type { DocumentsInternals } from './cosmosOrderIndex';

const predicate = /^\s*from\s+c\s+where\s+/i;

// A predicate's string and number literals as query parameters: conditions differ in their values
// (ids, times) but come in few shapes, and the server compiles (and caches for good) each query text
// it sees, which would cost a parse, and memory, per patch.
const literals = /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|(?<=[=<>]\s*)-?\d+(?:\.\d+)?(?![\w.\]])/g;

function parameterized(where: string): { shape: string; parameters: { name: string; value: unknown }[] } {
  const parameters: { name: string; value: unknown }[] = [];
  const shape = where.replace(literals, (literal) => {
    const name = `@condition${parameters.length}`;
    const value = literal.startsWith("'") || literal.startsWith('"') ? stringValue(literal) : Number(literal);
    parameters.push({ name, value });
    return name;
  });
  return { shape, parameters };
}

/** A quoted Cosmos SQL string's value: either quote, escaped in either kind, as JSON reads it. */
function stringValue(literal: string): string {
  const body = literal.slice(1, -1).replace(/\\(.)|"/gs, (match, escaped: string | undefined) => (escaped === undefined ? '\\"' : escaped === "'" ? "'" : match));
  return JSON.parse(`"${body}"`) as string;
}

export function installPatchConditionsInCosmosServer(): void {
  const serverPatch = patches.patchOperation;
  const conditional = (collection: Collection, input: PatchOperationInput): patches.PatchOperationResult => {
    if (!input.condition) return serverPatch(collection, input);
    const document = collection.document(input.id, parsePartitionKey(input.partitionKey as string, input.id)).read();
    if (document) {
      // Cosmos DB takes any alias (`FROM X WHERE ...`); this takes `c`, as the SDK's examples and Switchboard write it.
      if (!predicate.test(input.condition)) return { statusCode: 400, body: { code: 'BadRequest', message: `a patch condition reads "FROM c WHERE ...", not "${input.condition}"` } };
      let matches: boolean;
      try {
        const { shape, parameters } = parameterized(input.condition.replace(predicate, ''));
        const query = (collection.documents as unknown as DocumentsInternals)._getQuery(`SELECT * FROM c WHERE ${shape}`);
        matches = query.exec([document], { parameters }).result.length > 0;
      } catch (err) {
        return { statusCode: 400, body: { code: 'BadRequest', message: `Invalid condition in patch request: ${err instanceof Error ? err.message : String(err)}` } };
      }
      if (!matches) return { statusCode: 412, body: { code: 'PreconditionFailed', message: 'Condition specified in the patch request is not satisfied.' } };
    }
    return serverPatch(collection, { ...input, condition: undefined } as PatchOperationInput);
  };
  (patches as { patchOperation: typeof serverPatch }).patchOperation = conditional;
}
