import { TerraformResource, TerraformStack } from 'cdktf';

/**
 * Gives a resource a readable address (`<type>.<name>`) and emits a `moved` block from the address cdktf
 * derived from its construct path, so a stack applied with the earlier addresses keeps its resources. Call it
 * before anything references the resource.
 */
export function readableAddress(resource: TerraformResource, name: string): void {
  const derived = TerraformStack.of(resource).getLogicalId(resource);
  resource.overrideLogicalId(name);
  if (derived !== name) resource.moveFromId(`${resource.terraformResourceType}.${derived}`);
}

/** `AssetView` → `asset_view`, `Cspm-2` → `cspm_2`, `ou-ab12-11111111` → `ou_ab12_11111111`. */
export function addressName(text: string): string {
  return text
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9_]+/g, '_')
    .toLowerCase();
}
