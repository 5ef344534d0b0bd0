/** `--host NAME=DIR` options, as check and explore take them. */

export interface HostSpec {
  name: string;
  root: string;
}

/**
 * The hosts the `--host` options name, in order, or the usage error to exit 2 with: a spec
 * without NAME=DIR, or a name given twice (`--host A=x --host A=y` would otherwise judge one of
 * the two directories under another's name, or silently drop it).
 */
export function parseHostSpecs(specs: readonly string[]): { ok: true; hosts: HostSpec[] } | { ok: false; error: string } {
  const hosts: HostSpec[] = [];
  const seen = new Map<string, string>();
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    if (eq <= 0 || eq === spec.length - 1) return { ok: false, error: `--host wants NAME=DIR, got '${spec}'` };
    const name = spec.slice(0, eq);
    const root = spec.slice(eq + 1);
    const earlier = seen.get(name);
    if (earlier !== undefined) return { ok: false, error: `--host ${name} is given twice (${name}=${earlier} and ${name}=${root}): give each host its own name` };
    seen.set(name, root);
    hosts.push({ name, root });
  }
  return { ok: true, hosts };
}
