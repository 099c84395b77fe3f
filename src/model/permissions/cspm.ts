import { CapabilitySpec, ActionGrant } from './types';
import { wildcardActionsLeftToSecurityAudit, wildcardExclusions, wildcardGrants } from './cspm-wildcards';

/*
 * CSPM custom policy rule: every explicit action that any Qualys source lists (the 2023 custom policy, the
 * 2024 Terraform additions, `appflow:DescribeFlow` from the 2025 template), and none of the 2025 wildcards
 * (`states:Get*`, `ssm:Get*`, ...) as such: `ssm:Get*` would include `ssm:GetParameter*`, which reads
 * parameter values, i.e. possible secrets. The actions the wildcards reach are decided one by one in
 * cspm-wildcards.ts.
 */
const from2023 = 'Qualys CSPM custom policy (2023)';
const from2024 = 'Qualys CSPM Terraform (2024)';
const from2025 = 'Qualys CSPM template (2025)';

const customPolicyGrants: readonly ActionGrant[] = [
  { action: 'states:DescribeStateMachine', why: `${from2023}: Step Functions state machine logging/encryption checks` },
  { action: 'elasticfilesystem:DescribeFileSystemPolicy', why: `${from2023}: EFS file system policy checks` },
  { action: 'qldb:ListLedgers', why: `${from2023}: QLDB ledger inventory` },
  { action: 'qldb:DescribeLedger', why: `${from2023}: QLDB ledger settings` },
  { action: 'kafka:ListClusters', why: `${from2023}: MSK cluster checks` },
  { action: 'codebuild:BatchGetProjects', why: `${from2023}: CodeBuild project settings` },
  { action: 'wafv2:GetWebACLForResource', why: `${from2023}: WAF protection of resources` },
  { action: 'backup:ListBackupVaults', why: `${from2023}: AWS Backup vault inventory` },
  { action: 'backup:DescribeBackupVault', why: `${from2023}: AWS Backup vault settings (not in SecurityAudit)` },
  { action: 'ec2:GetEbsEncryptionByDefault', why: `${from2023}: EBS default encryption check` },
  { action: 'ec2:GetEbsDefaultKmsKeyId', why: `${from2023}: EBS default KMS key check` },
  { action: 'guardduty:ListDetectors', why: `${from2023}: GuardDuty enablement` },
  { action: 'guardduty:GetDetector', why: `${from2023}: GuardDuty detector settings` },
  { action: 'glue:GetDataCatalogEncryptionSettings', why: `${from2023}: Glue Data Catalog encryption check` },
  { action: 'elasticmapreduce:GetBlockPublicAccessConfiguration', why: `${from2023}: EMR block public access check` },
  { action: 'lambda:GetFunctionConcurrency', why: `${from2023}: Lambda concurrency checks` },
  { action: 'ds:ListLogSubscriptions', why: `${from2023}: Directory Service log forwarding (not in SecurityAudit)` },
  {
    action: 'ssm:GetDocument',
    why: `${from2024}: SSM document sharing/content checks (not in SecurityAudit)`,
    sensitive: 'returns the content of SSM documents, which may embed commands or parameters',
  },
  { action: 'ssm:GetServiceSetting', why: `${from2024}: SSM service settings` },
  {
    action: 'states:GetExecutionHistory',
    why: `${from2024}: Step Functions execution checks (not in SecurityAudit)`,
    sensitive: 'returns execution events including their input and output payloads',
  },
  { action: 'appflow:DescribeFlow', why: `${from2025}: AppFlow flow settings (not in SecurityAudit)` },
];

/** AssetView and CSPM: AWS managed SecurityAudit, EKS Fargate profiles and Qualys' custom policy. */
export const cspm: CapabilitySpec = {
  name: 'cspm',
  policySuffix: 'Cspm',
  title: 'CSPM (TotalCloud)',
  summary: 'Read-only configuration assessment: SecurityAudit plus what it lacks for Qualys TotalCloud checks.',
  requires: [],
  mutating: false,
  awsManagedPolicies: [
    { name: 'SecurityAudit', why: 'Qualys CSPM procedure: AWS managed read-only security configuration policy' },
  ],
  statements: [
    {
      sid: 'QualysCspmEksFargate',
      grants: [
        { action: 'eks:ListFargateProfiles', why: 'Qualys CSPM procedure: EKS Fargate profiles' },
        { action: 'eks:DescribeFargateProfile', why: 'Qualys CSPM procedure: EKS Fargate profile settings' },
      ],
    },
    { sid: 'QualysCspmCustom', grants: customPolicyGrants },
    { sid: 'QualysCspmStepFunctionsAndSsmReads', grants: wildcardGrants },
    {
      sid: 'QualysCspmApiGateway',
      grants: [{ action: 'apigateway:GET', why: `${from2023}: REST API settings (not in SecurityAudit)` }],
      resources: (partition) => [`arn:${partition}:apigateway:*::/restapis/*`],
    },
  ],
  leftToManagedPolicies: wildcardActionsLeftToSecurityAudit,
  excluded: wildcardExclusions,
};
