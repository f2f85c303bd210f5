// Names an admin gives in a list (skills, not-available reasons, profiles) are told apart ignoring
// case, as they are matched: "French" and "french" are one name, listed twice.

/** The indexes of the names that repeat an earlier one, ignoring case. */
export function repeatedIgnoringCase(names: readonly string[]): number[] {
  const seen = new Set<string>();
  return names.flatMap((name, i) => {
    const key = name.toLowerCase();
    if (seen.has(key)) return [i];
    seen.add(key);
    return [];
  });
}
