// Event Grid triggers, served where the real host serves them:
// POST /runtime/webhooks/eventgrid?functionName=NAME, Event Grid schema or CloudEvents 1.0, single or
// batched, with the subscription-validation and CloudEvents abuse-protection handshakes. A function
// that fails answers 500 so Event Grid retries the delivery.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Host, HostExtension, RegisteredFunction } from '../extension';

const path = '/runtime/webhooks/eventgrid';
const validationEventType = 'Microsoft.EventGrid.SubscriptionValidationEvent';

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

function send(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
  if (body === undefined) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json', ...headers });
  res.end(text);
}

export class EventGridExtension implements HostExtension {
  readonly name = 'eventGrid';
  readonly triggerTypes = ['eventGridTrigger'];
  #host: Host | undefined;

  start(host: Host): Promise<void> {
    this.#host = host;
    return Promise.resolve();
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }

  describe(fn: RegisteredFunction): string | undefined {
    if (fn.trigger.type.toLowerCase() !== 'eventgridtrigger') return undefined;
    const port = this.#host?.settings.port ?? 7071;
    return `eventGridTrigger: http://localhost:${port}${path}?functionName=${fn.name}`;
  }

  async handleHttp(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    if (url.pathname !== path) return false;
    const host = this.#host;
    if (!host) return false;

    // CloudEvents webhook validation (abuse protection): echo the origin we accept deliveries from.
    if (req.method === 'OPTIONS') {
      const origin = req.headers['webhook-request-origin'];
      if (typeof origin !== 'string') {
        send(res, 400, 'Missing WebHook-Request-Origin header');
        return true;
      }
      send(res, 200, undefined, { 'webhook-allowed-origin': origin, 'webhook-allowed-rate': '*', allow: 'POST' });
      return true;
    }
    if (req.method !== 'POST') {
      send(res, 405, 'Method Not Allowed', { allow: 'POST, OPTIONS' });
      return true;
    }

    const functionName = url.searchParams.get('functionName');
    if (!functionName) {
      send(res, 400, 'Missing functionName query parameter');
      return true;
    }
    const fn = host.functions.find((f) => f.name.toLowerCase() === functionName.toLowerCase() && f.trigger.type.toLowerCase() === 'eventgridtrigger');
    if (!fn) {
      send(res, 404, `No Event Grid triggered function named "${functionName}"`);
      return true;
    }

    let body: unknown;
    try {
      body = await readJson(req);
    } catch {
      send(res, 400, 'Body is not valid JSON');
      return true;
    }
    const events = Array.isArray(body) ? body : [body];
    if (events.length === 0 || !events.every(isObject)) {
      send(res, 400, 'Body must be an event or an array of events');
      return true;
    }

    const eventType = req.headers['aeg-event-type'];
    if (eventType === 'SubscriptionValidation') {
      const validation = events.find((e) => e['eventType'] === validationEventType);
      const data = validation?.['data'];
      if (!isObject(data) || typeof data['validationCode'] !== 'string') {
        send(res, 400, `Expected a ${validationEventType} with data.validationCode`);
        return true;
      }
      send(res, 200, { validationResponse: data['validationCode'] });
      return true;
    }
    if (eventType === 'SubscriptionDeletion') {
      send(res, 202);
      return true;
    }

    const cloudEvents = events.every((e) => typeof e['specversion'] === 'string');
    if (!cloudEvents && eventType !== 'Notification') {
      send(res, 400, 'Event Grid schema deliveries need the aeg-event-type header (Notification or SubscriptionValidation)');
      return true;
    }
    const malformed = events.findIndex((e) =>
      cloudEvents ? typeof e['id'] !== 'string' || typeof e['type'] !== 'string' || typeof e['source'] !== 'string' : typeof e['id'] !== 'string' || typeof e['eventType'] !== 'string' || typeof e['subject'] !== 'string',
    );
    if (malformed >= 0) {
      send(res, 400, `Event ${malformed} lacks ${cloudEvents ? 'id, type or source' : 'id, eventType or subject'}`);
      return true;
    }

    // One invocation per event, in order; the first failure fails the delivery so the sender retries it.
    for (const event of events) {
      const outcome = await host.invoke(fn.name, { trigger: { json: JSON.stringify(event) } });
      if (outcome.error) {
        send(res, 500, `Function ${fn.name} failed for event ${String(event['id'])}`);
        return true;
      }
    }
    send(res, 202);
    return true;
  }
}
