import { CapabilitySpec } from './types';

/** AssetView with API-based assessment: software inventory read through Systems Manager. */
export const apiBasedAssessment: CapabilitySpec = {
  name: 'api-based-assessment',
  policySuffix: 'ApiBasedAssessment',
  title: 'API-based assessment',
  summary: 'Systems Manager inventory of managed instances, for vulnerability assessment without an agent.',
  requires: [],
  mutating: false,
  awsManagedPolicies: [],
  statements: [
    {
      sid: 'QualysApiBasedAssessment',
      grants: [
        { action: 'ssm:ListInventoryEntries', why: 'API-based assessment: software inventory of managed instances' },
        {
          action: 'ssm:DescribeInstanceInformation',
          why: 'API-based assessment: which instances Systems Manager manages',
        },
      ],
    },
  ],
};
