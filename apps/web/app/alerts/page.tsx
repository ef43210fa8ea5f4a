import { AlertsClient } from './client.js';

// Alert rules, what is firing, and what was sent where.
export default function AlertsPage() {
  return <AlertsClient />;
}
