import { CapabilitySpec } from './types';

const why = 'CSPM remediation (Qualys procedure)';

/** CSPM with remediation: the only capability that writes. */
export const remediation: CapabilitySpec = {
  name: 'remediation',
  policySuffix: 'Remediation',
  title: 'CSPM remediation',
  summary: 'The six write actions TotalCloud uses to fix findings; requires CSPM.',
  requires: ['cspm'],
  mutating: true,
  awsManagedPolicies: [],
  statements: [
    {
      sid: 'QualysCspmRemediation',
      grants: [
        { action: 'ec2:RevokeSecurityGroupIngress', why: `${why}: close open security group ingress` },
        {
          action: 'ec2:AuthorizeSecurityGroupIngress',
          why: `${why}: replace a closed ingress rule with a narrower one`,
        },
        { action: 'ec2:DisassociateIamInstanceProfile', why: `${why}: detach an over-privileged instance profile` },
        { action: 'ec2:StopInstances', why: `${why}: stop a non-compliant instance` },
        { action: 's3:PutBucketPublicAccessBlock', why: `${why}: block public access on a bucket` },
        { action: 'rds:ModifyDBInstance', why: `${why}: e.g. turn off public accessibility of a DB instance` },
      ],
    },
  ],
};
