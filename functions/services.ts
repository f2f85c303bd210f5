// Admin API for services: POST/GET/PUT/DELETE /api/services[/{id}] (function key).
import { createService, deleteService, getService, listServices, replaceService } from '../src/admin/serviceAdmin';
import { ServiceCreateBody, ServiceUpdateBody } from '../src/api/serviceSchemas';
import { switchboard } from '../src/app/switchboard';
import { registerAdminResource } from './http/adminResource';

registerAdminResource({
  collection: 'services',
  noun: 'Service',
  deps: { ...switchboard().distribution, workflows: switchboard().workflows.store },
  createBody: ServiceCreateBody,
  updateBody: ServiceUpdateBody,
  create: createService,
  list: listServices,
  get: getService,
  replace: replaceService,
  remove: deleteService,
});
