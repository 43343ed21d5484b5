/** A key prefix no other test uses: conformance tests share real stores. */
export function uniqueKey(label: string): string {
  return `conformance:${label}:${Date.now().toString(36)}:${Math.random().toString(36).slice(2)}`;
}
