import { NodeClient } from './client.js';

// One instance: its identity and every runtime chart.
export default async function NodePage({ params }: { params: Promise<{ instance: string }> }) {
  const { instance } = await params;
  return <NodeClient instance={decodeURIComponent(instance)} />;
}
