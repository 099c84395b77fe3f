// The shape of the deployer evidence (see evidence.ts).

/** What makes the call: a Terraform resource type, the provider itself, the state backend, or CloudFormation acting with the caller's credentials. */
export type EvidenceSubject =
  | 'aws_iam_role'
  | 'aws_iam_policy'
  | 'aws_iam_role_policy_attachment'
  | 'aws_iam_role_policy_attachments_exclusive'
  | 'aws_cloudformation_stack'
  | 'aws_cloudformation_stack_set'
  | 'aws_cloudformation_stack_set_instance'
  | 'provider'
  | 'provider-assume-role'
  | 'data.aws_partition'
  | 'backend-s3'
  | 'backend-s3-dynamodb'
  | 'cloudformation-service:AWS::IAM::Role'
  | 'cloudformation-service:AWS::IAM::ManagedPolicy'
  | 'cloudformation-service:stack-set-service-managed';

export type EvidenceStep =
  'create' | 'read' | 'update' | 'delete' | 'import' | 'configure' | 'init' | 'lock' | 'unlock';

export const EVIDENCE_STEPS: readonly EvidenceStep[] = [
  'configure',
  'init',
  'lock',
  'unlock',
  'create',
  'read',
  'update',
  'delete',
  'import',
];

export type EvidenceSourceKind =
  'provider-source' | 'provider-docs' | 'terraform-source' | 'terraform-docs' | 'aws-docs' | 'cloudformation-schema';

export interface EvidenceSource {
  readonly kind: EvidenceSourceKind;
  /** What to look for at the URL: a function, a section or a heading. */
  readonly ref: string;
  readonly url: string;
  /** The revision the fact was checked at, when it is not the one the URL names. */
  readonly revision?: string;
}

/**
 * What in a configuration makes a call happen; a call without one happens for every configuration that has
 * its subject.
 */
export type EvidenceNeed =
  /** `connector.tags` is not empty: tags are sent on create and changed with Tag* calls. */
  | 'tags'
  /** `connector.permissionsBoundaryArn` is set. */
  | 'permissions-boundary'
  /** No boundary is set: removing one set by an earlier configuration. */
  | 'no-permissions-boundary'
  /** S3 lock file (`use_lockfile`, on unless a DynamoDB table is given). */
  | 's3-lockfile'
  /** The stack set is managed from a delegated administrator (`call_as = DELEGATED_ADMIN`). */
  | 'delegated-admin';

export interface EvidenceEntry {
  readonly subject: EvidenceSubject;
  readonly step: EvidenceStep;
  /** `service:Action` as the IAM action catalogue spells it. */
  readonly action: string;
  /** The API operation called. */
  readonly api: string;
  /** When in the step the call is made. */
  readonly when: string;
  /** The catalogue's resource type the call is authorized on; empty for actions that take only `*`. */
  readonly resourceType: string;
  /** Condition keys the request carries that the deployer policy uses or could use. */
  readonly conditionKeys: readonly string[];
  readonly source: EvidenceSource;
  /** False when the sources do not show the call for certain; the note says what is missing. */
  readonly confirmed: boolean;
  readonly note?: string;
  readonly needs?: EvidenceNeed;
  /** False for a call the policy deliberately leaves out (the note says why); granted otherwise. */
  readonly granted?: boolean;
}

/** A step that makes no AWS call. */
export interface NoCallEntry {
  readonly subject: EvidenceSubject;
  readonly step: EvidenceStep;
  readonly when: string;
  readonly source: EvidenceSource;
  readonly note?: string;
}
