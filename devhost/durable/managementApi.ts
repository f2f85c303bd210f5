// The Durable HTTP API (the extension's HttpApiHandler): the same routes serve the SDK's rpcBaseUrl
// and the public /runtime/webhooks/durabletask endpoints; status codes follow the extension.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DurableEngine } from './engine';
import { schedulerId } from './entities';
import { isTerminal, type OrchestrationInstance, type RuntimeStatus } from './instance';
import { toStatusPayload } from './status';

export interface ManagementLinks {
  /** e.g. http://localhost:7071/runtime/webhooks/durabletask */
  webhookBaseUrl: string;
  /** taskHub=...&connection=...&code=... */
  querySuffix: string;
}

export interface HttpManagementPayload {
  id: string;
  statusQueryGetUri: string;
  sendEventPostUri: string;
  terminatePostUri: string;
  rewindPostUri: string;
  purgeHistoryDeleteUri: string;
  restartPostUri: string;
  suspendPostUri: string;
  resumePostUri: string;
}

export function managementPayload(links: ManagementLinks, instanceId: string): HttpManagementPayload {
  const prefix = `${links.webhookBaseUrl}/instances/${encodeURIComponent(instanceId)}`;
  const q = links.querySuffix;
  return {
    id: instanceId,
    statusQueryGetUri: `${prefix}?${q}`,
    sendEventPostUri: `${prefix}/raiseEvent/{eventName}?${q}`,
    terminatePostUri: `${prefix}/terminate?reason={text}&${q}`,
    rewindPostUri: `${prefix}/rewind?reason={text}&${q}`,
    purgeHistoryDeleteUri: `${prefix}?${q}`,
    restartPostUri: `${prefix}/restart?${q}`,
    suspendPostUri: `${prefix}/suspend?reason={text}&${q}`,
    resumePostUri: `${prefix}/resume?reason={text}&${q}`,
  };
}

const allStatuses: readonly RuntimeStatus[] = ['Pending', 'Running', 'Completed', 'ContinuedAsNew', 'Failed', 'Terminated', 'Suspended'];
const defaultPageSize = 100;

function send(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
  if (body === undefined) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, message: string): void {
  send(res, status, { Message: message });
}

/** Sends and reports the request as handled. */
function reply(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): true {
  send(res, status, body, headers);
  return true;
}

function replyError(res: ServerResponse, status: number, message: string): true {
  sendError(res, status, message);
  return true;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The body as JSON text (undefined when empty), or 'invalid' when it does not parse, as the extension refuses it. */
async function readJsonBody(req: IncomingMessage): Promise<string | undefined | 'invalid'> {
  const body = await readBody(req);
  if (body.trim() === '') return undefined;
  try {
    JSON.parse(body);
    return body;
  } catch {
    return 'invalid';
  }
}

function flag(url: URL, name: string, fallback: boolean): boolean {
  const value = url.searchParams.get(name);
  if (value === null) return fallback;
  if (/^true$/i.test(value)) return true;
  if (/^false$/i.test(value)) return false;
  return fallback;
}

function dateParam(url: URL, name: string): Date | undefined {
  const value = url.searchParams.get(name);
  if (value === null || value === '') return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function statusesParam(url: URL): RuntimeStatus[] | undefined {
  const values = url.searchParams
    .getAll('runtimeStatus')
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .map((v) => allStatuses.find((s) => s.toLowerCase() === v.toLowerCase()))
    .filter((v): v is RuntimeStatus => v !== undefined);
  return values.length > 0 ? values : undefined;
}

function matchesFilter(inst: OrchestrationInstance, url: URL): boolean {
  const from = dateParam(url, 'createdTimeFrom');
  const to = dateParam(url, 'createdTimeTo');
  const statuses = statusesParam(url);
  const prefix = url.searchParams.get('instanceIdPrefix');
  const created = new Date(inst.createdTime).getTime();
  if (from !== undefined && created < from.getTime()) return false;
  if (to !== undefined && created > to.getTime()) return false;
  if (statuses !== undefined && !statuses.includes(inst.runtimeStatus)) return false;
  if (prefix !== null && prefix !== '' && !inst.instanceId.startsWith(prefix)) return false;
  return true;
}

/**
 * Serves one request whose path (relative to the API base, e.g. `/instances/abc/terminate`) is
 * given. Returns false when the path is not a Durable API route.
 */
export async function handleManagementRequest(engine: DurableEngine, links: ManagementLinks, req: IncomingMessage, res: ServerResponse, path: string, url: URL): Promise<boolean> {
  const segments = path
    .split('/')
    .filter((s) => s.length > 0)
    .map((s) => decodeURIComponent(s));
  const method = (req.method ?? 'GET').toUpperCase();
  const [controller, first, second, third] = segments;

  if (controller === 'orchestrators' && first !== undefined && segments.length <= 3) {
    if (method !== 'POST') return reply(res, 404);
    const body = await readJsonBody(req);
    if (body === 'invalid') return replyError(res, 400, 'Invalid JSON content');
    const version = url.searchParams.get('version') ?? undefined;
    const result = engine.startNew(first, { ...(second === undefined || second === '' ? {} : { instanceId: second }), ...(body === undefined ? {} : { input: body }), ...(version === undefined ? {} : { version }) });
    if (!result.ok) return replyError(res, result.reason === 'alreadyExists' ? 409 : 400, result.message);
    const timeout = Number(url.searchParams.get('timeout'));
    const interval = Number(url.searchParams.get('pollingInterval'));
    if (timeout > 0 && interval > 0) {
      const done = await engine.waitForCompletion(result.instance.instanceId, timeout * 1000);
      if (done !== undefined && done.runtimeStatus === 'Completed') return reply(res, 200, toStatusPayload(done, { showHistory: false, showHistoryOutput: false, showInput: true }).output);
      if (done !== undefined && isTerminal(done.runtimeStatus)) {
        sendStatus(res, done, url);
        return true;
      }
    }
    const payload = managementPayload(links, result.instance.instanceId);
    send(res, 202, payload, { Location: payload.statusQueryGetUri, 'Retry-After': '10' });
    return true;
  }

  if (controller === 'entities' && first !== undefined && segments.length <= 3) {
    const key = second ?? '';
    if (engine.entities.functionName(first) === undefined) return reply(res, 404);
    if (method === 'GET') {
      if (second === undefined) {
        const list = [...engine.store.entities()].filter((e) => e.exists && e.name === first.toLowerCase());
        send(res, 200, list.map((e) => ({ entityId: { name: e.name, key: e.key }, lastOperationTime: e.lastOperationTime, state: e.state === undefined ? null : (JSON.parse(e.state) as unknown) })));
        return true;
      }
      const entity = engine.store.getEntity(schedulerId(first, key === '$' ? '' : key));
      if (entity === undefined || !entity.exists) return reply(res, 404);
      send(res, 200, entity.state === undefined ? null : (JSON.parse(entity.state) as unknown));
      return true;
    }
    if (method === 'POST' || method === 'DELETE') {
      const body = await readBody(req);
      const mediaType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
      let input: string | undefined;
      if (body !== '') {
        if (mediaType === 'application/json') {
          try {
            JSON.parse(body);
          } catch (err) {
            return replyError(res, 400, `Could not parse JSON content: ${(err as Error).message}`);
          }
          input = body;
        } else {
          input = JSON.stringify(body);
        }
      }
      const operation = method === 'DELETE' ? 'delete' : (url.searchParams.get('op') ?? '');
      engine.entities.enqueue(first, key, { name: operation, signal: true, ...(input === undefined ? {} : { input }) });
      return reply(res, 202);
    }
    return reply(res, 404);
  }

  if (controller !== 'instances' || segments.length > 4) return false;

  if (first === undefined) {
    if (method === 'GET') {
      const matching = [...engine.store.all()].filter((i) => matchesFilter(i, url)).sort((a, b) => a.createdTime.localeCompare(b.createdTime) || a.instanceId.localeCompare(b.instanceId));
      const top = Number(url.searchParams.get('top'));
      const pageSize = Number.isInteger(top) && top > 0 ? top : defaultPageSize;
      const token = req.headers['x-ms-continuation-token'];
      const start = typeof token === 'string' && /^\d+$/.test(Buffer.from(token, 'base64').toString('utf8')) ? Number(Buffer.from(token, 'base64').toString('utf8')) : 0;
      const page = matching.slice(start, start + pageSize);
      const showInput = flag(url, 'showInput', true);
      const headers: Record<string, string> = {};
      if (start + pageSize < matching.length) headers['x-ms-continuation-token'] = Buffer.from(String(start + pageSize)).toString('base64');
      send(res, 200, page.map((i) => toStatusPayload(i, { showHistory: false, showHistoryOutput: false, showInput })), headers);
      return true;
    }
    if (method === 'DELETE') {
      const from = dateParam(url, 'createdTimeFrom');
      if (from === undefined) return reply(res, 400, "Please provide value for 'createdTimeFrom' parameter.");
      let deleted = 0;
      for (const inst of [...engine.store.all()]) {
        // Only terminal instances are purged, whatever the status filter says.
        if (!matchesFilter(inst, url) || !isTerminal(inst.runtimeStatus)) continue;
        if (engine.purge(inst.instanceId)) deleted++;
      }
      if (deleted === 0) return reply(res, 404);
      send(res, 200, { instancesDeleted: deleted });
      return true;
    }
    return reply(res, 404);
  }

  const instanceId = first;
  if (second === undefined) {
    const inst = engine.store.get(instanceId);
    if (method === 'GET') {
      if (inst === undefined) return reply(res, 404);
      sendStatus(res, inst, url);
      return true;
    }
    if (method === 'DELETE') {
      if (inst === undefined) return reply(res, 404);
      if (!isTerminal(inst.runtimeStatus)) {
        return reply(res, 412, `Only orchestrations in a terminal state can be purged, but the orchestration with instance ID ${instanceId} has status ${inst.runtimeStatus}`);
      }
      engine.purge(instanceId);
      send(res, 200, { instancesDeleted: 1 });
      return true;
    }
    return reply(res, 404);
  }

  if (method !== 'POST') return reply(res, 404);
  const reason = url.searchParams.get('reason') ?? '';
  switch (second.toLowerCase()) {
    case 'raiseevent': {
      if (third === undefined) return reply(res, 404);
      const inst = engine.store.get(instanceId);
      if (inst === undefined) return reply(res, 404);
      if (isTerminal(inst.runtimeStatus)) return reply(res, 410);
      const mediaType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
      if (mediaType !== 'application/json') return replyError(res, 400, 'Only application/json request content is supported');
      const body = await readJsonBody(req);
      if (body === 'invalid') return replyError(res, 400, 'Invalid JSON content');
      const outcome = engine.raiseEvent(instanceId, third, body);
      return reply(res, outcome === 'accepted' ? 202 : outcome === 'gone' ? 410 : 404);
    }
    case 'terminate':
      return replyOutcome(res, engine.terminate(instanceId, reason));
    case 'suspend':
      return replyOutcome(res, engine.suspend(instanceId, reason));
    case 'resume':
      return replyOutcome(res, engine.resume(instanceId, reason));
    case 'restart': {
      const inst = engine.store.get(instanceId);
      if (inst === undefined) return replyError(res, 400, 'InstanceId does not match a valid orchestration instance.');
      const newId = flag(url, 'restartWithNewInstanceId', true);
      const result = engine.startNew(inst.name, { ...(newId ? {} : { instanceId }), ...(inst.input === undefined ? {} : { input: inst.input }) });
      if (!result.ok) return replyError(res, result.reason === 'alreadyExists' ? 409 : 400, result.reason === 'alreadyExists' ? 'A non-terminal instance with this instance ID already exists.' : result.message);
      const payload = managementPayload(links, result.instance.instanceId);
      send(res, 202, payload, { Location: payload.statusQueryGetUri, 'Retry-After': '10' });
      return true;
    }
    case 'rewind': {
      const outcome = engine.rewind(instanceId, reason);
      if (outcome === 'notFound') return reply(res, 404, `No orchestration with instance ID "${instanceId}" found.`);
      if (outcome === 'notFailed') {
        const status = engine.store.get(instanceId)?.runtimeStatus ?? 'Unknown';
        return reply(res, 412, `This orchestration has status ${status}, but only orchestrations in the "Failed" state can be rewound.`);
      }
      return reply(res, 202);
    }
    default:
      return reply(res, 404);
  }
}

function replyOutcome(res: ServerResponse, outcome: ReturnType<DurableEngine['terminate']>): true {
  return reply(res, outcome === 'accepted' ? 202 : outcome === 'gone' ? 410 : 404);
}

function sendStatus(res: ServerResponse, inst: OrchestrationInstance, url: URL): void {
  const payload = toStatusPayload(inst, {
    showHistory: flag(url, 'showHistory', false),
    showHistoryOutput: flag(url, 'showHistoryOutput', false),
    showInput: flag(url, 'showInput', true),
  });
  switch (inst.runtimeStatus) {
    case 'Running':
    case 'Pending':
    case 'ContinuedAsNew':
    case 'Suspended':
      send(res, 202, payload, { Location: url.href, 'Retry-After': '5' });
      return;
    case 'Failed':
      send(res, flag(url, 'returnInternalServerErrorOnFailure', false) ? 500 : 200, payload);
      return;
    default:
      send(res, 200, payload);
  }
}
