import { CAPABILITY_NAMES } from '../../model/permissions';
import { connectorRoleModule, permissionsModule } from './connector-modules';
import { organizationModule } from './organization-module';
import { ModuleSpec } from './module-spec';

/** Every module this project publishes, rendered under `modules/` by `npm run modules`. */
export function allModules(): ModuleSpec[] {
  return [connectorRoleModule(), organizationModule(), ...CAPABILITY_NAMES.map(permissionsModule)];
}
