/** The default announcer: records that a promotion happened and tells no one. */
import type { Announcement, AnnounceResult, Announcer } from './Announcer.js';

export class NoneAnnouncer implements Announcer {
  readonly uri = 'none';

  async announce(_announcement: Announcement): Promise<AnnounceResult> {
    return { delivered: false, target: 'none' };
  }
}
