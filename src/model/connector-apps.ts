import { CapabilityName, resolveCapabilities } from './permissions';

/*
 * What a Qualys AWS connector must have switched on for the capabilities a role was made with (Qualys' connector
 * documentation and its own scripts): AssetView needs the Asset Inventory app; CSPM adds Cloud Inventory and Cloud
 * Security Assessment. Remediation is CSPM's remediation switch on the same connector. The assets a connector
 * discovers are activated for scanning modules (`activation`): Qualys' own scripts that create AWS connectors
 * activate VM and PC, for AssetView and CSPM connectors alike, so that is the default for every capability.
 */

/** Asset Inventory, Cloud Inventory, Cloud Security Assessment. */
export type QualysConnectorApp = 'AI' | 'CI' | 'CSA';

const APPS_OF: Readonly<Record<CapabilityName, readonly QualysConnectorApp[]>> = {
  'asset-view': ['AI'],
  'api-based-assessment': ['AI'],
  organization: ['AI'],
  cspm: ['AI', 'CI', 'CSA'],
  remediation: ['AI', 'CI', 'CSA'],
};
const APP_ORDER: readonly QualysConnectorApp[] = ['AI', 'CI', 'CSA'];

/** What a connector for a role with these capabilities must have: its apps (in a fixed order) and remediation. */
export interface ConnectorAppsPlan {
  readonly apps: readonly QualysConnectorApp[];
  readonly remediation: boolean;
}

export function connectorAppsFor(capabilities: readonly CapabilityName[]): ConnectorAppsPlan {
  const resolved = resolveCapabilities(capabilities);
  const apps = new Set(resolved.flatMap((capability) => APPS_OF[capability]));
  return { apps: APP_ORDER.filter((app) => apps.has(app)), remediation: resolved.includes('remediation') };
}

/** Modules the assets a connector discovers are activated for: the values Qualys' scripts and schema name. */
export const ACTIVATION_MODULES = ['VM', 'PC', 'CLOUDVIEW'] as const;
export type ActivationModule = (typeof ACTIVATION_MODULES)[number];

/** What Qualys' AWS connector scripts send for every connector they create. */
export const DEFAULT_ACTIVATION: readonly ActivationModule[] = ['VM', 'PC'];
