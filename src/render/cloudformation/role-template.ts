import { FindingSubject, findingsFor, policySubjects } from '../../model/scanner-findings';
import { accountRootArn } from '../../rules/partition';
import {
  accountIdRule,
  cloudFormationConstraints,
  externalIdRule,
  optionalCloudFormationPattern,
  roleNameRule,
} from '../../rules/value-rules';
import { ConnectorRoleModel, trustPolicyTemplate } from '../../plan/role';
import { PREVIOUS_EXTERNAL_ID_PARAMETERS, ParameterName, fillSlots } from '../../plan/parameters';
import { policyDescription, templatePolicyName } from '../../plan/policies';

/**
 * The connector role as a CloudFormation template, rendered from the same model as the Terraform role: the
 * management-account stack and the member StackSet deploy exactly the documents Terraform would. Partition,
 * external ID, role name and trusted account are template parameters or pseudo parameters, so one template
 * serves every account.
 */

/** Largest `template_body` CloudFormation accepts (bytes). */
export const TEMPLATE_BODY_LIMIT = 51200;

export type TemplateValue = string | number | boolean | TemplateValue[] | { [key: string]: TemplateValue };
export type CloudFormationTemplate = { [key: string]: TemplateValue };

/**
 * Which template: one account (the console path for a single account), the management account (a stack),
 * or the member accounts (a service-managed StackSet). Each has one description, whether deployed or
 * exported, so an exported template equals the deployed one.
 */
export type TemplateKind = 'account' | 'management' | 'member';

export const TEMPLATE_DESCRIPTIONS: Readonly<Record<TemplateKind, string>> = {
  account: 'Qualys connector role for one account',
  management: 'Qualys connector role for the management account',
  member: 'Qualys connector role for member accounts (service-managed StackSet, one region)',
};

export interface RoleTemplateOptions {
  readonly kind: TemplateKind;
  /** Accounts whose stack must create no role (the stack then holds only a placeholder). */
  readonly excludedAccountIds?: readonly string[];
}

export const ROLE_LOGICAL_ID = 'QualysConnectorRole';
export const CREATE_ROLE_CONDITION = 'CreateQualysRole';
export { PREVIOUS_EXTERNAL_ID_PARAMETERS };

/** Logical ID of a capability policy, e.g. QualysPolicyCspm2 for the suffix `Cspm-2`. */
export function policyLogicalId(suffix: string): string {
  return `QualysPolicy${suffix.replace(/[^A-Za-z0-9]/g, '')}`;
}

/** ARNs with a literal partition become `Fn::Sub` with `${AWS::Partition}`. */
function partitionAware(value: TemplateValue, partition: string): TemplateValue {
  if (typeof value === 'string') {
    return value.startsWith(`arn:${partition}:`)
      ? { 'Fn::Sub': `arn:\${AWS::Partition}:${value.slice(`arn:${partition}:`.length)}` }
      : value;
  }
  if (Array.isArray(value)) return value.map((v) => partitionAware(v, partition));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, partitionAware(v, partition)]));
  }
  return value;
}

/** The most conditions one `Fn::Or` takes (and the fewest is 2). */
export const CONDITIONS_PER_OR = 10;

/** Name of the `index`th `Fn::Or` condition at `depth` of the exclusion tree. */
export function exclusionConditionName(depth: number | string, index: number | string): string {
  return `Excluded${depth}x${index}`;
}

/** `Fn::Or` takes 2 to 10 conditions: a tree of named conditions covers any number of accounts. */
function exclusionConditions(accounts: readonly string[]): {
  conditions: Record<string, TemplateValue>;
  root: TemplateValue;
} {
  const conditions: Record<string, TemplateValue> = {};
  let level: TemplateValue[] = accounts.map((id) => ({ 'Fn::Equals': [{ Ref: 'AWS::AccountId' }, id] }));
  let depth = 0;
  while (level.length > 1) {
    const next: TemplateValue[] = [];
    for (let i = 0; i < level.length; i += CONDITIONS_PER_OR) {
      const group = level.slice(i, i + CONDITIONS_PER_OR);
      if (group.length === 1) {
        next.push(group[0]);
        continue;
      }
      const name = exclusionConditionName(depth, i / CONDITIONS_PER_OR);
      conditions[name] = { 'Fn::Or': group };
      next.push({ Condition: name });
    }
    level = next;
    depth++;
  }
  return { conditions, root: level[0] };
}

const externalIdConstraints = cloudFormationConstraints(externalIdRule);
const roleNameConstraints = cloudFormationConstraints(roleNameRule);
const accountIdConstraints = cloudFormationConstraints(accountIdRule);
const EXTERNAL_ID_PARAMETER = {
  Type: 'String',
  MaxLength: externalIdConstraints.MaxLength as number,
  AllowedPattern: externalIdConstraints.AllowedPattern,
  ConstraintDescription: externalIdConstraints.ConstraintDescription,
};

/**
 * How a template writes the inputs that are its parameters; the partition is the pseudo parameter
 * `AWS::Partition` (in `Fn::Sub`), the path a literal (CloudFormation cannot change it in place).
 */
const TEMPLATE_INPUTS: Readonly<Record<Extract<ParameterName, 'ExternalId' | 'RoleName'>, TemplateValue>> = {
  ExternalId: { Ref: 'ExternalId' },
  RoleName: { Ref: 'RoleName' },
};

function hasPreviousCondition(parameter: string): string {
  return `Has${parameter}`;
}

/** The scanners' by-design findings on a resource, as the Metadata each scanner reads (checkov, cfn-lint). */
function scannerMetadata(subjects: readonly FindingSubject[]): Record<string, TemplateValue> {
  const checkov = findingsFor('checkov', subjects).map((f) => ({ id: f.id, comment: f.brief }));
  const cfnLint = findingsFor('cfn-lint', subjects).map((f) => f.id);
  const metadata: Record<string, TemplateValue> = {
    ...(checkov.length > 0 ? { checkov: { skip: checkov } } : {}),
    ...(cfnLint.length > 0 ? { 'cfn-lint': { config: { ignore_checks: cfnLint } } } : {}),
  };
  return Object.keys(metadata).length > 0 ? { Metadata: metadata } : {};
}

/** The customer managed policies, named from the `RoleName` parameter. */
function policyResources(
  model: ConnectorRoleModel,
  conditional: Record<string, TemplateValue>,
): Record<string, TemplateValue> {
  return Object.fromEntries(
    model.customerManagedPolicies.map((policy) => [
      policyLogicalId(policy.suffix),
      {
        Type: 'AWS::IAM::ManagedPolicy',
        ...conditional,
        ...scannerMetadata(policySubjects(policy.capability, policy.document)),
        Properties: {
          ManagedPolicyName: { 'Fn::Sub': templatePolicyName('${RoleName}', policy) },
          Path: model.path,
          Description: { 'Fn::Sub': policyDescription('${RoleName}', policy.suffix) },
          PolicyDocument: partitionAware(policy.document.toJson() as unknown as TemplateValue, model.partition),
        },
      },
    ]),
  );
}

/** The role: trust from the parameters (the current external ID and, while rotating, the earlier ones). */
function roleResource(model: ConnectorRoleModel, conditional: Record<string, TemplateValue>): TemplateValue {
  const rotation = PREVIOUS_EXTERNAL_ID_PARAMETERS;
  const acceptedIds: TemplateValue =
    rotation.length === 0
      ? TEMPLATE_INPUTS.ExternalId
      : [
          TEMPLATE_INPUTS.ExternalId,
          ...rotation.map((p) => ({ 'Fn::If': [hasPreviousCondition(p), { Ref: p }, { Ref: 'AWS::NoValue' }] })),
        ];
  const trust = fillSlots(trustPolicyTemplate().toJson(), {
    TrustedPrincipal: { 'Fn::Sub': accountRootArn('${AWS::Partition}', '${TrustedAccountId}') },
    ExternalId: acceptedIds,
  }) as TemplateValue;
  const tags = Object.keys(model.tags)
    .sort()
    .map((Key) => ({ Key, Value: model.tags[Key] }));
  return {
    Type: 'AWS::IAM::Role',
    ...conditional,
    ...scannerMetadata(['role trust']),
    Properties: {
      RoleName: TEMPLATE_INPUTS.RoleName,
      Path: model.path,
      Description: model.description,
      MaxSessionDuration: model.maxSessionDuration,
      AssumeRolePolicyDocument: trust,
      ManagedPolicyArns: [
        ...model.customerManagedPolicies.map((p) => ({ Ref: policyLogicalId(p.suffix) })),
        ...model.awsManagedPolicyArns.map((arn) => partitionAware(arn, model.partition)),
      ],
      ...(model.permissionsBoundaryArn !== undefined
        ? { PermissionsBoundary: partitionAware(model.permissionsBoundaryArn, model.partition) }
        : {}),
      ...(tags.length > 0 ? { Tags: tags } : {}),
    },
  };
}

/** The console's parameter form and the parameters, each with the rule of its value. */
function parameterSections(model: ConnectorRoleModel): Pick<CloudFormationTemplate, 'Metadata' | 'Parameters'> {
  const rotation = PREVIOUS_EXTERNAL_ID_PARAMETERS;
  const previousParameters: Record<string, TemplateValue> = Object.fromEntries(
    rotation.map((p, i) => [
      p,
      {
        ...EXTERNAL_ID_PARAMETER,
        // Empty means "not given"; anything else follows the external ID rule.
        AllowedPattern: optionalCloudFormationPattern(externalIdRule),
        Description: `Optional: an earlier external ID still accepted while rotating (${i + 2} of ${rotation.length + 1})`,
        Default: '',
      },
    ]),
  );
  return {
    Metadata: {
      'AWS::CloudFormation::Interface': {
        ParameterGroups: [
          {
            Label: { default: 'Qualys connector' },
            Parameters: ['ExternalId', ...rotation, 'TrustedAccountId', 'RoleName'],
          },
        ],
        ParameterLabels: {
          ExternalId: { default: 'External ID shown in the Qualys connector' },
          ...Object.fromEntries(rotation.map((p) => [p, { default: 'Earlier external ID (rotation only)' }])),
          TrustedAccountId: { default: 'AWS account Qualys assumes the role from' },
          RoleName: { default: 'Name of the role' },
        },
      },
    },
    // No NoEcho: a StackSet shows a NoEcho parameter as changed on every plan.
    Parameters: {
      ExternalId: {
        ...EXTERNAL_ID_PARAMETER,
        Description: 'External ID entered in the Qualys connector',
        MinLength: externalIdConstraints.MinLength as number,
      },
      ...previousParameters,
      TrustedAccountId: {
        Type: 'String',
        Description: 'The Qualys AWS account, or your base account',
        Default: model.inputs.trustedAccountId,
        AllowedPattern: accountIdConstraints.AllowedPattern,
        ConstraintDescription: accountIdConstraints.ConstraintDescription,
      },
      RoleName: {
        Type: 'String',
        Description: 'Name of the connector role',
        Default: model.inputs.roleName,
        MinLength: roleNameConstraints.MinLength as number,
        MaxLength: roleNameConstraints.MaxLength as number,
        AllowedPattern: roleNameConstraints.AllowedPattern,
        ConstraintDescription: roleNameConstraints.ConstraintDescription,
      },
    },
  };
}

/** Whether each earlier external ID is given, and which accounts are excluded (a tree of `Fn::Or`). */
function templateConditions(excluded: readonly string[]): Record<string, TemplateValue> {
  const conditions: Record<string, TemplateValue> = {};
  for (const p of PREVIOUS_EXTERNAL_ID_PARAMETERS) {
    conditions[hasPreviousCondition(p)] = { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: p }, ''] }] };
  }
  if (excluded.length > 0) {
    const tree = exclusionConditions(excluded);
    Object.assign(conditions, tree.conditions, { [CREATE_ROLE_CONDITION]: { 'Fn::Not': [tree.root] } });
  }
  return conditions;
}

export function renderRoleTemplate(model: ConnectorRoleModel, options: RoleTemplateOptions): CloudFormationTemplate {
  const excluded = [...new Set(options.excludedAccountIds ?? [])].sort();
  const conditional: Record<string, TemplateValue> = excluded.length > 0 ? { Condition: CREATE_ROLE_CONDITION } : {};
  const resources: Record<string, TemplateValue> = {
    ...policyResources(model, conditional),
    [ROLE_LOGICAL_ID]: roleResource(model, conditional),
    // A stack needs at least one resource, also where the role is not created.
    ...(excluded.length > 0
      ? { QualysExclusionPlaceholder: { Type: 'AWS::CloudFormation::WaitConditionHandle' } }
      : {}),
  };
  const conditions = templateConditions(excluded);
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: TEMPLATE_DESCRIPTIONS[options.kind],
    ...parameterSections(model),
    ...(Object.keys(conditions).length > 0 ? { Conditions: conditions } : {}),
    Resources: resources,
    Outputs: {
      RoleArn: {
        ...conditional,
        Description: 'Role ARN to enter in the Qualys connector',
        Value: { 'Fn::GetAtt': [ROLE_LOGICAL_ID, 'Arn'] },
      },
    },
  };
}

/** The template text a StackSet receives: the provider passes `template_body` to CloudFormation unchanged. */
export function templateBody(template: CloudFormationTemplate): string {
  return JSON.stringify(template);
}

/**
 * The template text a stack (`aws_cloudformation_stack`) receives: the provider re-encodes the body with Go's
 * JSON encoder first, which sorts object keys and writes `<`, `>`, `&`, U+2028 and U+2029 as `\uXXXX`.
 */
export function normalizedTemplateBody(template: CloudFormationTemplate): string {
  return JSON.stringify(sortedKeys(template)).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function sortedKeys(value: TemplateValue): TemplateValue {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value === null || typeof value !== 'object') return value;
  // Go orders keys by their UTF-8 bytes; for the ASCII keys of these templates that is code unit order.
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, sortedKeys(value[k])]),
  );
}

/** Bytes CloudFormation receives for a template deployed as a StackSet (`stack-set`) or a stack (`stack`). */
export function templateSize(
  template: CloudFormationTemplate,
  deployedAs: 'stack-set' | 'stack' = 'stack-set',
): number {
  return Buffer.byteLength(deployedAs === 'stack' ? normalizedTemplateBody(template) : templateBody(template), 'utf8');
}
