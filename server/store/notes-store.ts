/**
 * Responders' notes and marks, stored durably in SQLite (better-sqlite3, one file in the data
 * folder): "rolled back", "moved etcd to SSD", a mark on a timeline entry. A note belongs to an
 * incident key (the followed bundle), so it is there again after a restart. Writes are
 * synchronous and fully synced (WAL, synchronous=FULL): a note that was acknowledged survives a
 * crash. Note text is untrusted and stored as given; every renderer escapes it.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { z } from 'zod';

export const NOTES_FILE = 'notes.sqlite';
const SCHEMA_VERSION = 1;

/** A mark ties a note to a timeline entry; its lane and title are kept in case the entry leaves the window. */
export const noteEntrySchema = z.object({ id: z.string(), lane: z.string(), title: z.string() });

export const noteSchema = z.object({
  id: z.number().int(),
  incident: z.string(),
  createdAtMs: z.number().int(),
  /** Where the note sits on the timeline (UTC epoch ms). */
  atMs: z.number(),
  author: z.string(),
  text: z.string(),
  entry: noteEntrySchema.nullable(),
});
export type Note = z.infer<typeof noteSchema>;

export interface NewNote {
  atMs: number;
  author: string;
  text: string;
  entry: z.infer<typeof noteEntrySchema> | null;
}

interface NoteRow {
  id: number;
  incident: string;
  created_at_ms: number;
  at_ms: number;
  author: string;
  text: string;
  entry_id: string | null;
  entry_lane: string | null;
  entry_title: string | null;
}

export class NotesStore {
  private constructor(private readonly db: Database.Database, readonly file: string) {}

  /** Opens (creating when needed) `<dataDir>/notes.sqlite`. */
  static open(dataDir: string): NotesStore {
    mkdirSync(dataDir, { recursive: true });
    const file = path.join(dataDir, NOTES_FILE);
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 2000');
    migrate(db);
    return new NotesStore(db, file);
  }

  /** An in-memory store for tests. */
  static openInMemory(): NotesStore {
    const db = new Database(':memory:');
    migrate(db);
    return new NotesStore(db, ':memory:');
  }

  add(incident: string, note: NewNote, createdAtMs: number): Note {
    const info = this.db
      .prepare(
        'INSERT INTO notes (incident, created_at_ms, at_ms, author, text, entry_id, entry_lane, entry_title) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(incident, Math.round(createdAtMs), note.atMs, note.author, note.text, note.entry?.id ?? null, note.entry?.lane ?? null, note.entry?.title ?? null);
    return this.get(incident, Number(info.lastInsertRowid))!;
  }

  get(incident: string, id: number): Note | undefined {
    const row = this.db.prepare('SELECT * FROM notes WHERE incident = ? AND id = ?').get(incident, id) as NoteRow | undefined;
    return row ? toNote(row) : undefined;
  }

  /** The incident's notes in timeline order (then in the order they were written). */
  list(incident: string): Note[] {
    const rows = this.db.prepare('SELECT * FROM notes WHERE incident = ? ORDER BY at_ms, id').all(incident) as NoteRow[];
    return rows.map(toNote);
  }

  /** Deletes one note; false when there is none with that id. */
  delete(incident: string, id: number): boolean {
    return this.db.prepare('DELETE FROM notes WHERE incident = ? AND id = ?').run(incident, id).changes > 0;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

function migrate(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version >= SCHEMA_VERSION) return;
  db.exec(`
    CREATE TABLE IF NOT EXISTS notes (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      incident TEXT NOT NULL,
      created_at_ms INTEGER NOT NULL,
      at_ms REAL NOT NULL,
      author TEXT NOT NULL,
      text TEXT NOT NULL,
      entry_id TEXT,
      entry_lane TEXT,
      entry_title TEXT
    );
    CREATE INDEX IF NOT EXISTS notes_by_incident ON notes (incident, at_ms);
  `);
  db.pragma(`user_version = ${SCHEMA_VERSION}`);
}

function toNote(r: NoteRow): Note {
  return {
    id: r.id,
    incident: r.incident,
    createdAtMs: r.created_at_ms,
    atMs: r.at_ms,
    author: r.author,
    text: r.text,
    entry: r.entry_id !== null ? { id: r.entry_id, lane: r.entry_lane ?? '', title: r.entry_title ?? '' } : null,
  };
}
