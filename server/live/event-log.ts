/**
 * The bounded log of a live session's events, for `Last-Event-ID` replay. Ids are integers that
 * only grow; the first is the session's start time in ms times 1000, so the ids of a restarted
 * server are above every id of the one before, and a client that reconnects with an old id is
 * recognised as such (it gets a snapshot instead of a replay).
 */

export interface LoggedEvent {
  id: number;
  type: string;
  /** The data, serialised once for every viewer. */
  json: string;
}

export class EventLog {
  readonly #events: LoggedEvent[] = [];
  #bytes = 0;
  #lastId: number;

  constructor(firstId: number, readonly maxEvents = 1000, readonly maxBytes = 16 * 1024 * 1024) {
    this.#lastId = firstId - 1;
  }

  /** The id of the newest event (the one before the first while the log is empty). */
  get lastId(): number {
    return this.#lastId;
  }

  get size(): number {
    return this.#events.length;
  }

  append(type: string, data: unknown): LoggedEvent {
    const e: LoggedEvent = { id: ++this.#lastId, type, json: JSON.stringify(data) };
    this.#events.push(e);
    this.#bytes += e.json.length;
    while (this.#events.length > 1 && (this.#events.length > this.maxEvents || this.#bytes > this.maxBytes)) {
      this.#bytes -= this.#events.shift()!.json.length;
    }
    return e;
  }

  /**
   * The events after `id`: [] when the client is up to date, undefined when it cannot be replayed
   * (older than the log keeps, or not an id of this session) and the client needs a snapshot.
   */
  since(id: number): LoggedEvent[] | undefined {
    if (!Number.isSafeInteger(id) || id > this.#lastId) return undefined;
    if (id === this.#lastId) return [];
    const oldest = this.#events[0];
    if (!oldest || id < oldest.id - 1) return undefined;
    return this.#events.slice(id - oldest.id + 1);
  }
}
