import { OverviewClient } from './client.js';

// Fleet overview: the live state of every node at a glance. All data comes from /api/v1 in the browser.
export default function OverviewPage() {
  return <OverviewClient />;
}
