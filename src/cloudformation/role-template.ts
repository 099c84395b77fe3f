import { CAPABILITIES } from '../permissions';
import { ConnectorRoleModel } from '../connector/model';

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

export interface RoleTemplateOptions {
  /** Accounts whose stack must create no role (the stack then holds only a placeholder). */
  readonly excludedAccountIds?: readonly string[];
  readonly description: string;
}

export const ROLE_LOGICAL_ID = 'QualysConnectorRole';
export const CREATE_ROLE_CONDITION = 'CreateQualysRole';

/** Logical ID of a capability policy, e.g. QualysPolicyCspm2. */
export function policyLogicalId(roleName: string, policyName: string): string {
  return `QualysPolicy${policyName.slice(roleName.length + 1).replace(/[^A-Za-z0-9]/g, '')}`;
}

/** ARNs with a literal partition become `Fn::Sub` with `${AWS::Partition}`. */
function partitionAware(value: TemplateValue, partition: string): TemplateValue {
  if (typeof value === 'string') {
    return value.startsWith(`arn:${partition}:`) ? { 'Fn::Sub': `arn:\${AWS::Partition}:${value.slice(`arn:${partition}:`.length)}` } : value;
  }
  if (Array.isArray(value)) return value.map((v) => partitionAware(v, partition));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, partitionAware(v, partition)]));
  }
  return value;
}

/** `Fn::Or` takes 2 to 10 conditions: a tree of named conditions covers any number of accounts. */
function exclusionConditions(accounts: readonly string[]): { conditions: Record<string, TemplateValue>; root: TemplateValue } {
  const conditions: Record<string, TemplateValue> = {};
  let level: TemplateValue[] = accounts.map((id) => ({ 'Fn::Equals': [{ Ref: 'AWS::AccountId' }, id] }));
  let depth = 0;
  while (level.length > 1) {
    const next: TemplateValue[] = [];
    for (let i = 0; i < level.length; i += 10) {
      const group = level.slice(i, i + 10);
      if (group.length === 1) {
        next.push(group[0]);
        continue;
      }
      const name = `Excluded${depth}x${i / 10}`;
      conditions[name] = { 'Fn::Or': group };
      next.push({ Condition: name });
    }
    level = next;
    depth++;
  }
  return { conditions, root: level[0] };
}

export function renderRoleTemplate(model: ConnectorRoleModel, options: RoleTemplateOptions): CloudFormationTemplate {
  const excluded = [...new Set(options.excludedAccountIds ?? [])].sort();
  const conditional: Record<string, TemplateValue> = excluded.length > 0 ? { Condition: CREATE_ROLE_CONDITION } : {};
  const tags = Object.keys(model.tags)
    .sort()
    .map((Key) => ({ Key, Value: model.tags[Key] }));
  const withTags: Record<string, TemplateValue> = tags.length > 0 ? { Tags: tags } : {};

  const resources: Record<string, TemplateValue> = {};
  for (const policy of model.customerManagedPolicies) {
    const suffix = policy.name.slice(model.roleName.length);
    resources[policyLogicalId(model.roleName, policy.name)] = {
      Type: 'AWS::IAM::ManagedPolicy',
      ...conditional,
      Properties: {
        ManagedPolicyName: { 'Fn::Sub': `\${RoleName}${suffix}` },
        Path: model.path,
        Description: { 'Fn::Sub': `Qualys connector ${CAPABILITIES[policy.capability].title} permissions for role \${RoleName}` },
        PolicyDocument: partitionAware(policy.document.toJson() as unknown as TemplateValue, model.partition),
      },
    };
  }

  const trust = model.trustPolicy.toJson();
  const trustStatement = trust.Statement[0];
  resources[ROLE_LOGICAL_ID] = {
    Type: 'AWS::IAM::Role',
    ...conditional,
    Properties: {
      RoleName: { Ref: 'RoleName' },
      Path: model.path,
      Description: model.description,
      MaxSessionDuration: model.maxSessionDuration,
      AssumeRolePolicyDocument: {
        Version: trust.Version,
        Statement: [
          {
            ...(trustStatement as Record<string, TemplateValue>),
            Principal: { AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${TrustedAccountId}:root' } },
            Condition: { StringEquals: { 'sts:ExternalId': { Ref: 'ExternalId' } } },
          },
        ],
      },
      ManagedPolicyArns: [
        ...model.customerManagedPolicies.map((p) => ({ Ref: policyLogicalId(model.roleName, p.name) })),
        ...model.awsManagedPolicyArns.map((arn) => partitionAware(arn, model.partition)),
      ],
      ...withTags,
    },
  };

  const template: CloudFormationTemplate = {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: options.description,
    Metadata: {
      'AWS::CloudFormation::Interface': {
        ParameterGroups: [{ Label: { default: 'Qualys connector' }, Parameters: ['ExternalId', 'TrustedAccountId', 'RoleName'] }],
        ParameterLabels: {
          ExternalId: { default: 'External ID shown in the Qualys connector' },
          TrustedAccountId: { default: 'AWS account Qualys assumes the role from' },
          RoleName: { default: 'Name of the role' },
        },
      },
    },
    // No NoEcho: a StackSet shows a NoEcho parameter as changed on every plan.
    Parameters: {
      ExternalId: {
        Type: 'String',
        Description: 'External ID entered in the Qualys connector',
        MinLength: 2,
        MaxLength: 1224,
        AllowedPattern: '^[A-Za-z0-9_+=,.@:/-]*$',
        ConstraintDescription: 'letters, digits and _ + = , . @ : / -',
      },
      TrustedAccountId: {
        Type: 'String',
        Description: 'The Qualys AWS account, or your base account',
        Default: model.trustedAccountId,
        AllowedPattern: '^[0-9]{12}$',
        ConstraintDescription: '12 digits',
      },
      RoleName: {
        Type: 'String',
        Description: 'Name of the connector role',
        Default: model.roleName,
        MinLength: 1,
        MaxLength: 64,
        AllowedPattern: '^[A-Za-z0-9_+=,.@-]+$',
        ConstraintDescription: 'letters, digits and _ + = , . @ -',
      },
    },
  };

  if (excluded.length > 0) {
    const { conditions, root } = exclusionConditions(excluded);
    template.Conditions = { ...conditions, [CREATE_ROLE_CONDITION]: { 'Fn::Not': [root] } };
    // A stack needs at least one resource, also where the role is not created.
    resources.QualysExclusionPlaceholder = { Type: 'AWS::CloudFormation::WaitConditionHandle' };
  }
  template.Resources = resources;
  template.Outputs = {
    RoleArn: { ...conditional, Description: 'Role ARN to enter in the Qualys connector', Value: { 'Fn::GetAtt': [ROLE_LOGICAL_ID, 'Arn'] } },
  };
  // cdktf's Fn.jsonencode writes strings into HCL without escaping backslashes, which Terraform rejects
  // ("Invalid escape sequence"): patterns above use character classes instead of \w and \d.
  if (JSON.stringify(template).includes('\\\\')) throw new Error('internal error: a CloudFormation template value contains a backslash');
  return template;
}

/** Bytes of the template as CloudFormation receives it (compact JSON). */
export function templateSize(template: CloudFormationTemplate): number {
  return Buffer.byteLength(JSON.stringify(template), 'utf8');
}
