import { CapabilitySpec } from './types';

/**
 * AssetView Organization: the management account's role lists the organization's accounts. The Qualys
 * procedure prints `organizations:list`, which is no IAM action and grants nothing; Qualys' own 2025
 * template uses `organizations:list*`, written here with the catalogue's casing.
 */
export const organization: CapabilitySpec = {
  name: 'organization',
  policySuffix: 'Organization',
  title: 'Organization',
  summary: 'Read-only listing of the organization (accounts, OUs) from the management account role.',
  requires: [],
  mutating: false,
  awsManagedPolicies: [],
  statements: [
    {
      sid: 'QualysOrganizationListing',
      grants: [
        {
          action: 'organizations:List*',
          why: 'AssetView Organization: discover member accounts and OUs (Qualys 2025 template; replaces the invalid `organizations:list` of the procedure)',
        },
      ],
    },
  ],
};
