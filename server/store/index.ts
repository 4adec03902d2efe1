/** Durable storage of the server: responders' notes (SQLite). */
export { NOTES_FILE, NotesStore, noteEntrySchema, noteSchema, type NewNote, type Note } from './notes-store.js';
