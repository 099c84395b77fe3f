import { CapabilityName } from './permissions/types';
import { PolicyDocument } from './policy/model';

/*
 * What the security scanners platform teams run in pull requests report on these roles by design, and why
 * each is right as it is. One table: the CloudFormation templates carry it as resource Metadata (checkov's skip
 * list, cfn-lint's ignored checks), the example checkov configuration lists it, and the scanners page prints it.
 */

export type Scanner = 'checkov' | 'cfn-lint' | 'parliament';

/** What a finding is reported on. */
export type FindingSubject =
  | 'role trust'
  | 'policy with Resource "*"'
  | 'remediation policy'
  | 'every customer managed policy'
  | 'CloudFormation stack (Terraform)';

export interface ScannerFinding {
  readonly scanner: Scanner;
  readonly id: string;
  readonly subject: FindingSubject;
  /** Why the finding is by design, as a reviewer reads it. */
  readonly reason: string;
  /** The reason in a few words, for template Metadata (every byte of the member template counts). */
  readonly brief: string;
}

export const SCANNER_FINDINGS: readonly ScannerFinding[] = [
  {
    scanner: 'checkov',
    id: 'CKV_AWS_61',
    brief: 'third-party trust on an account root with a required external ID',
    subject: 'role trust',
    reason:
      'The trust names the Qualys account (or your base account) as a whole, as Qualys documents for a third party, and requires the exact external ID (StringEquals on sts:ExternalId).',
  },
  {
    scanner: 'checkov',
    id: 'CKV_AWS_355',
    brief: 'read-only inventory reads every resource of the account',
    subject: 'policy with Resource "*"',
    reason:
      'Inventory and configuration assessment read every resource of an account: the read and list actions are scoped by account, not by resource name, which the connector cannot know.',
  },
  ...['CKV_AWS_109', 'CKV_AWS_111', 'CKV_AWS_289', 'CKV_AWS_290'].map((id): ScannerFinding => ({
    scanner: 'checkov',
    id,
    subject: 'remediation policy',
    brief: 'opt-in remediation writes to the resource a finding names',
    reason:
      'CSPM remediation is opt-in: its six write actions fix findings on whatever resource a finding names, so they cannot be scoped to resources known in advance.',
  })),
  {
    scanner: 'checkov',
    id: 'CKV_AWS_124',
    brief: 'changed only through Terraform, which reports every change',
    subject: 'CloudFormation stack (Terraform)',
    reason:
      'The management role stack (deployWith cloudformation-stack) is changed only through Terraform, which reports every change; stack events need no SNS topic.',
  },
  {
    scanner: 'cfn-lint',
    id: 'W3037',
    brief: 'actions newer than the linter data; checked against the current catalogue',
    subject: 'every customer managed policy',
    reason:
      "cfn-lint's action data lags behind AWS: actions newer than it are reported as unknown. Every action here is checked against the current IAM action catalogue by the tests.",
  },
  {
    scanner: 'parliament',
    id: 'MALFORMED (no Resource)',
    brief: 'a trust policy has no Resource',
    subject: 'role trust',
    reason:
      'parliament reads a trust policy as an identity policy; a trust policy has a Principal and no Resource by definition.',
  },
  {
    scanner: 'parliament',
    id: 'RESOURCE_STAR',
    brief: 'remediation writes to the resource a finding names',
    subject: 'remediation policy',
    reason: 'The same scope as checkov CKV_AWS_109/111/289/290: remediation writes to the resource a finding names.',
  },
];

/** The findings a scanner reports on one resource of a template. */
export function findingsFor(scanner: Scanner, subjects: readonly FindingSubject[]): ScannerFinding[] {
  return SCANNER_FINDINGS.filter((f) => f.scanner === scanner && subjects.includes(f.subject));
}

/** What a customer managed policy is, for the findings that concern it. */
export function policySubjects(capability: CapabilityName, document: PolicyDocument): FindingSubject[] {
  const statements = document.toJson().Statement as { Resource?: string | string[] }[];
  const star = statements.some((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]).includes('*'));
  return [
    'every customer managed policy',
    ...(star ? (['policy with Resource "*"'] as const) : []),
    ...(capability === 'remediation' ? (['remediation policy'] as const) : []),
  ];
}
