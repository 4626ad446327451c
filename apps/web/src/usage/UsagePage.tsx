/** Placeholder until the usage dashboard lands (owned by the dashboard work). */
export function UsagePage() {
  return <p>The usage dashboard is coming.</p>;
}
