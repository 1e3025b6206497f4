/** `type::name` of a URN (`urn:pulumi:stack::project::parent$type::name`): unique in a stack. Pure. */
export function keyOfUrn(urn: string): string {
  const parts = urn.split("::");
  return `${(parts[2] ?? "").split("$").pop()}::${parts.slice(3).join("::")}`;
}
