import { Server } from 'node:net';

/**
 * The servers of this process that are already listening, for collectors that otherwise learn them from node:net's
 * listen channel (an agent started by `start()` after the app's `listen()` would never see those). Node keeps no
 * public list; `process._getActiveHandles()` (undocumented, in every Node since 0.x) holds each listening server.
 * Called once per start, never on a request; where it is missing or fails, the list is empty.
 */
export function listeningServers(): Server[] {
  try {
    const handles = (process as unknown as { _getActiveHandles?: () => unknown[] })._getActiveHandles?.() ?? [];
    return handles.filter((h): h is Server => h instanceof Server && h.listening);
  } catch {
    return [];
  }
}
