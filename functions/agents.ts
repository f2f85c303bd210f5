// Admin API for agents: POST/GET/PUT/DELETE /api/agents[/{id}] (function key).
import { createAgent, deleteAgent, getAgent, listAgents, replaceAgent } from '../src/admin/agentAdmin';
import { AgentCreateBody, AgentUpdateBody } from '../src/api/agentSchemas';
import { switchboard } from '../src/app/switchboard';
import { registerAdminResource } from './http/adminResource';

registerAdminResource({
  collection: 'agents',
  noun: 'Agent',
  deps: switchboard().distribution,
  createBody: AgentCreateBody,
  updateBody: AgentUpdateBody,
  create: createAgent,
  list: listAgents,
  get: getAgent,
  replace: replaceAgent,
  remove: deleteAgent,
});
