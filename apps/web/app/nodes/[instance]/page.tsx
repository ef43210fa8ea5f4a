import { NodeClient } from './client.js';

// One instance: its identity and every runtime chart.
export default async function NodePage({ params }: { params: Promise<{ instance: string }> }) {
  const { instance } = await params;
  return <NodeClient instance={decoded(instance)} />;
}

/** The instance from the path; a malformed escape (%E0%A4%A) is shown as it is, not a 500. */
function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
