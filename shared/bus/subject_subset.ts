/**
 * Whether every subject `filter` matches is matched by `pattern` too, by NATS's wildcard rules
 * (`*` one token, `>` one or more at the end): a consumer's filter must be such a subset of its
 * stream's subjects, and the server refuses one that is not ("consumer filter subject is not a
 * valid subset"). Written by hand: nats.js offers no subject matching.
 */
export function subjectWithin(filter: string, pattern: string): boolean {
  const f = filter.split(".");
  const p = pattern.split(".");
  for (let i = 0; i < p.length; i++) {
    if (p[i] === ">") return f.length > i;
    if (i >= f.length) return false;
    if (f[i] === ">") return false;
    if (p[i] === "*") continue;
    if (f[i] === "*" || f[i] !== p[i]) return false;
  }
  return f.length === p.length;
}
