import { RoutesClient } from './client.js';

// Every route of the fleet, by share of the time spent serving requests.
export default function RoutesPage() {
  return <RoutesClient />;
}
