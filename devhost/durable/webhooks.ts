// The public Durable HTTP API under /runtime/webhooks/durabletask on the host's port, guarded by
// the extension's system key (the master key passes too, as in Azure).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DurableEngine } from './engine';
import { handleManagementRequest, type ManagementLinks } from './managementApi';

export const webhookBasePath = '/runtime/webhooks/durabletask';

export interface WebhookKeys {
  /** The `durabletask_extension` system key. */
  system: string;
  master: string;
}

function presentedKey(req: IncomingMessage, url: URL): string | undefined {
  const header = req.headers['x-functions-key'];
  if (typeof header === 'string' && header.length > 0) return header;
  return url.searchParams.get('code') ?? undefined;
}

/** Serves a request when its path is under the webhook base; returns false otherwise. */
export async function handleWebhookRequest(engine: DurableEngine, links: ManagementLinks, keys: WebhookKeys, req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  const path = url.pathname;
  if (path !== webhookBasePath && !path.startsWith(`${webhookBasePath}/`)) return false;
  const key = presentedKey(req, url);
  if (key !== keys.system && key !== keys.master) {
    res.writeHead(401).end();
    return true;
  }
  const handled = await handleManagementRequest(engine, links, req, res, path.slice(webhookBasePath.length), url);
  if (!handled) res.writeHead(404).end();
  return true;
}
