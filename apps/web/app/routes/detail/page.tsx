import { RouteClient } from './client.js';

// One route (`/routes/detail?method=GET&route=/users/:id`): routes hold slashes and colons, so they travel
// as query parameters rather than path segments.
export default async function RoutePage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const sp = await searchParams;
  const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? '';
  return <RouteClient method={one(sp.method)} route={one(sp.route)} />;
}
