import { NodesClient } from './client.js';

// Every instance of the fleet, live.
export default function NodesPage() {
  return <NodesClient />;
}
