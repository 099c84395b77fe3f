/*
 * Where the Qualys Connector API of each platform is. The platform shows in the Qualys UI (Help > About) and in
 * the user name's platform character. Hosts differ between Qualys' own scripts for the same platform (US1 is
 * also reached as qualysapi.qg1.apps.qualys.com), so an explicit API URL always wins over this table.
 */

export const QUALYS_PLATFORMS = {
  US1: 'https://qualysapi.qualys.com',
  US2: 'https://qualysapi.qg2.apps.qualys.com',
  US3: 'https://qualysapi.qg3.apps.qualys.com',
  US4: 'https://qualysapi.qg4.apps.qualys.com',
  EU1: 'https://qualysapi.qualys.eu',
  EU2: 'https://qualysapi.qg2.apps.qualys.eu',
  EU3: 'https://qualysapi.qg3.apps.qualys.it',
  IN1: 'https://qualysapi.qg1.apps.qualys.in',
  CA1: 'https://qualysapi.qg1.apps.qualys.ca',
  AE1: 'https://qualysapi.qg1.apps.qualys.ae',
  UK1: 'https://qualysapi.qg1.apps.qualys.co.uk',
  AU1: 'https://qualysapi.qg1.apps.qualys.com.au',
  KSA1: 'https://qualysapi.qg1.apps.qualysksa.com',
} as const satisfies Record<string, string>;

export type QualysPlatform = keyof typeof QUALYS_PLATFORMS;
export const QUALYS_PLATFORM_NAMES = Object.keys(QUALYS_PLATFORMS) as QualysPlatform[];

/**
 * The problem with an API URL, or undefined when it is one the register command may send credentials to:
 * `https`, a host, nothing else (no user information, path, query or fragment: the command adds the path).
 */
export function apiUrlProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'must be a URL such as https://qualysapi.qg2.apps.qualys.eu';
  }
  if (url.protocol !== 'https:') return 'must use https: the credentials go with every request';
  if (url.username !== '' || url.password !== '') return 'must not hold credentials: give them in the environment';
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') {
    return 'must be the API server only (scheme and host, optionally a port), without a path, query or fragment';
  }
  return undefined;
}
