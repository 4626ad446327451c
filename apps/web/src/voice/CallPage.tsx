/** Placeholder until the voice call view lands (owned by the voice work). */
export function CallPage() {
  return <p>Voice calls are coming.</p>;
}
