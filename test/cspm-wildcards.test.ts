import { CAPABILITIES, CAPABILITY_NAMES, capabilityDocument } from '../src/model/permissions';
import {
  QUALYS_CSPM_WILDCARDS,
  ReachedAction,
  WildcardDecisions,
  wildcardCoverageProblems,
} from '../src/model/permissions/cspm-wildcards';
import { ActionCatalogue, MUTATING_ACCESS_LEVELS } from '../src/model/policy/catalogue';

const cspm = CAPABILITIES.cspm;

/** The decisions as the CSPM capability makes them. */
function cspmDecisions(): WildcardDecisions {
  return {
    granted: capabilityDocument(cspm, 'aws')!.actions,
    leftToSecurityAudit: (cspm.leftToManagedPolicies ?? [])
      .filter((r) => r.policy === 'SecurityAudit')
      .map((r) => r.action),
    excluded: (cspm.excluded ?? []).map((e) => e.action),
  };
}

let catalogue: ActionCatalogue;
let reached: ReachedAction[];

beforeAll(async () => {
  catalogue = await ActionCatalogue.load(QUALYS_CSPM_WILDCARDS.map((w) => w.split(':')[0]));
  reached = QUALYS_CSPM_WILDCARDS.flatMap((w) => catalogue.expand(w));
});

test("every action the catalogue puts under Qualys' six CSPM wildcards is granted, left to SecurityAudit or excluded", () => {
  expect(reached.length).toBeGreaterThan(50);
  expect(wildcardCoverageProblems(reached, cspmDecisions())).toEqual([]);
});

test('the check bites: an undecided, a doubly decided, a mutating and a stale action are reported', () => {
  const fakeRead: ReachedAction = { name: 'ssm:GetSecretInventory', accessLevels: ['Read'] };
  const fakeWrite: ReachedAction = { name: 'states:GetTaskLease', accessLevels: ['Write'] };
  const decisions = cspmDecisions();
  const problems = wildcardCoverageProblems([...reached, fakeRead, fakeWrite], {
    granted: [...decisions.granted, 'states:GetTaskLease', 'ssm:GetParameter'],
    leftToSecurityAudit: [...decisions.leftToSecurityAudit, 'ssm:DescribeRetiredThing'],
    excluded: decisions.excluded,
  });
  expect(problems).toEqual([
    { action: 'ssm:GetParameter', problem: 'is decided twice (granted and excluded)' },
    {
      action: 'ssm:GetSecretInventory',
      problem: expect.stringContaining('neither granted, left to SecurityAudit nor excluded'),
    },
    {
      action: 'states:GetTaskLease',
      problem: expect.stringContaining('has the access level Write: only Remediation may change resources'),
    },
    { action: 'ssm:DescribeRetiredThing', problem: expect.stringContaining('no Qualys CSPM wildcard reaches it') },
  ]);
});

test('what the wildcards reach with a mutating access level is excluded, and no capability grants an exclusion', () => {
  const mutating = reached
    .filter((a) => a.accessLevels.some((l) => MUTATING_ACCESS_LEVELS.includes(l)))
    .map((a) => a.name);
  expect(mutating).toContain('states:GetActivityTask');
  const excluded = new Set((cspm.excluded ?? []).map((e) => e.action.toLowerCase()));
  expect(mutating.filter((a) => !excluded.has(a.toLowerCase()))).toEqual([]);
  for (const name of CAPABILITY_NAMES) {
    const granted = (capabilityDocument(CAPABILITIES[name], 'aws')?.actions ?? []).flatMap((a) =>
      catalogue.expand(a).map((m) => m.name.toLowerCase()),
    );
    expect([name, granted.filter((a) => excluded.has(a))]).toEqual([name, []]);
  }
});

test("parameter values, credentials and a worker's task are excluded, each with a reason", () => {
  const excluded = new Map((cspm.excluded ?? []).map((e) => [e.action, e.why]));
  for (const action of [
    'ssm:GetParameter',
    'ssm:GetParameters',
    'ssm:GetParametersByPath',
    'ssm:GetParameterHistory',
    'ssm:GetAccessToken',
    'states:GetActivityTask',
  ]) {
    expect([action, (excluded.get(action) ?? '').length > 20]).toEqual([action, true]);
  }
});

test('actions that return payloads or command output, and agent-only actions, are excluded or marked sensitive', () => {
  const payloadOrAgentOnly = [
    'states:DescribeExecution',
    'states:GetExecutionHistory',
    'ssm:GetCommandInvocation',
    'ssm:ListCommandInvocations',
    'ssm:GetMaintenanceWindowTask',
    'ssm:GetMaintenanceWindowExecutionTask',
    'ssm:GetMaintenanceWindowExecutionTaskInvocation',
    'ssm:GetOpsMetadata',
    'ssm:GetDeployablePatchSnapshotForInstance',
    'ssm:GetManifest',
  ];
  const excluded = new Set((cspm.excluded ?? []).map((e) => e.action));
  const grants = [...cspm.statements.flatMap((s) => s.grants), ...(cspm.leftToManagedPolicies ?? [])];
  for (const action of payloadOrAgentOnly) {
    const grant = grants.find((g) => g.action === action);
    const decided = excluded.has(action)
      ? 'excluded'
      : grant?.sensitive
        ? 'granted, marked sensitive'
        : grant
          ? 'granted without a sensitive note'
          : 'undecided';
    expect([action, decided]).toEqual([action, expect.stringMatching(/^(excluded|granted, marked sensitive)$/)]);
  }
});
