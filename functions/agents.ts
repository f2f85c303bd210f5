// Admin API for agents: POST/GET/PUT/DELETE /api/agents[/{id}] (function key).
import { createAgent, deleteAgent, getAgent, listAgents, replaceAgent } from '../src/admin/agentAdmin';
import { shownPage, shownVersion } from '../src/api/agentAnswers';
import { AgentCreateBody, AgentUpdateBody } from '../src/api/agentSchemas';
import { switchboard } from '../src/app/switchboard';
import { registerAdminResource } from './http/adminResource';

registerAdminResource({
  collection: 'agents',
  noun: 'Agent',
  deps: switchboard().distribution,
  createBody: AgentCreateBody,
  updateBody: AgentUpdateBody,
  create: async (deps, settings, id) => shownVersion(await createAgent(deps, settings, id)),
  list: async (deps, pageSize, token) => shownPage(await listAgents(deps, pageSize, token)),
  get: async (deps, id) => shownVersion(await getAgent(deps, id)),
  replace: async (deps, id, settings, condition) => shownVersion(await replaceAgent(deps, id, settings, condition)),
  remove: deleteAgent,
});
