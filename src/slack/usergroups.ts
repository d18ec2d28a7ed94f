// Slack user-group membership for the approval policy: handles are resolved with
// `usergroups.list` and members read with `usergroups.users.list`, both cached briefly so a burst
// of clicks costs one lookup. A Bolt app's `client` (a WebClient) satisfies SlackUsergroupApi.
import type { UsergroupDirectory } from '../config/policy.js';

/** The part of Slack's WebClient this needs. */
export interface SlackUsergroupApi {
  usergroups: {
    list(args?: {
      include_disabled?: boolean;
    }): Promise<{ ok?: boolean; usergroups?: { id?: string; handle?: string }[] }>;
    users: {
      list(args: { usergroup: string }): Promise<{ ok?: boolean; users?: string[] }>;
    };
  };
}

interface Cached<T> {
  at: number;
  value: Promise<T>;
}

export class SlackUsergroupDirectory implements UsergroupDirectory {
  private handles?: Cached<Map<string, string>>;
  private readonly memberCache = new Map<string, Cached<ReadonlySet<string>>>();

  constructor(
    private readonly slack: SlackUsergroupApi,
    private readonly ttlMs = 60_000,
    private readonly clock: () => number = Date.now,
  ) {}

  private fresh<T>(c: Cached<T> | undefined): c is Cached<T> {
    return c !== undefined && this.clock() - c.at < this.ttlMs;
  }

  /** Handle (without @) -> usergroup id. */
  private idsByHandle(): Promise<Map<string, string>> {
    if (this.fresh(this.handles)) return this.handles.value;
    const value = this.slack.usergroups.list({ include_disabled: false }).then((r) => {
      const map = new Map<string, string>();
      for (const g of r.usergroups ?? []) if (g.handle && g.id) map.set(g.handle, g.id);
      return map;
    });
    const entry = { at: this.clock(), value };
    this.handles = entry;
    // A failed lookup must not be cached.
    value.catch(() => {
      if (this.handles === entry) this.handles = undefined;
    });
    return value;
  }

  async members(group: string): Promise<ReadonlySet<string>> {
    let id = group;
    if (group.startsWith('@')) {
      const found = (await this.idsByHandle()).get(group.slice(1));
      if (!found) throw new Error(`no Slack user group has the handle ${group}`);
      id = found;
    }
    const cached = this.memberCache.get(id);
    if (this.fresh(cached)) return cached.value;
    const value = this.slack.usergroups.users
      .list({ usergroup: id })
      .then((r) => new Set(r.users ?? []) as ReadonlySet<string>);
    const entry = { at: this.clock(), value };
    this.memberCache.set(id, entry);
    value.catch(() => {
      if (this.memberCache.get(id) === entry) this.memberCache.delete(id);
    });
    return value;
  }
}
