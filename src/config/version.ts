/**
 * Which keepalived vrrplab reads a configuration as: 2.2 (keepalived 2.2.7, Debian's, the default
 * and the reference of everything else) or 2.4 (keepalived 2.4.3, built from source in the lab:
 * `auth_hmac`, and the -t diagnostics that changed between the two, each measured).
 */
export type KeepalivedVersion = '2.2' | '2.4';

export const KEEPALIVED_VERSIONS: readonly KeepalivedVersion[] = ['2.2', '2.4'];
export const DEFAULT_KEEPALIVED_VERSION: KeepalivedVersion = '2.2';

/** The release each version is measured on. */
export function keepalivedRelease(version: KeepalivedVersion): string {
  return version === '2.4' ? '2.4.3' : '2.2.7';
}

/** `2.2`, `2.4` (or their releases `2.2.7`, `2.4.3`) to a version; null for anything else. */
export function parseKeepalivedVersion(text: string): KeepalivedVersion | null {
  const t = text.trim();
  if (t === '2.2' || t === '2.2.7') return '2.2';
  if (t === '2.4' || t === '2.4.3') return '2.4';
  return null;
}

/** Keywords of a vrrp_instance that only keepalived 2.4 knows, with the release that added them. */
export const INSTANCE_KEYWORDS_SINCE: Readonly<Record<string, string>> = { auth_hmac: '2.4.0' };

/** The info line for a keyword 2.2 does not know and a later version does. */
export function newerKeywordNote(keyword: string, since: string): string {
  return `'${keyword}' is a keepalived ${since} keyword (keepalived 2.2.7 does not know it): check --keepalived-version 2.4 reads it as keepalived 2.4.3 does`;
}

/** The later-version keywords a load reported as unknown (from its info notes), e.g. ['auth_hmac']. */
export function laterKeywordsIn(diagnostics: readonly { severity: string; message: string }[]): string[] {
  const found = new Set<string>();
  for (const d of diagnostics) {
    const m = d.severity === 'info' ? /^'([a-z_]+)' is a keepalived [0-9.]+ keyword \(keepalived 2\.2\.7 does not know it\)/.exec(d.message) : null;
    if (m !== null) found.add(m[1]);
  }
  return [...found];
}

/** What simulate and explore say of a host whose config uses a keyword of a later keepalived. */
export function laterKeywordNotModelled(host: string, keyword: string): string {
  return `${keyword} (keepalived 2.4) is not modelled: host ${host} is simulated as keepalived 2.2.7 reads its config (${keyword} unknown, its '}' ending the vrrp_instance: what follows, the VIPs too, is lost; see check), not as keepalived 2.4.3 would run it (dropping the adverts it cannot verify: a split brain); check --keepalived-version 2.4 --host … names such peers`;
}

/**
 * What simulate and explore say under 2.4: keepalived 2.4.3 is modelled as 2.2.7 plus what was
 * measured or read to differ (never silently the rest).
 */
export const KEEPALIVED_24_MODEL = 'keepalived 2.4.3 is modelled as 2.2.7 plus auth_hmac, its VIP checks (an advert with other VIPs accepted) and its rejection lines (rate limited, naming the sender); its other changes since 2.2.7 are not modelled';
