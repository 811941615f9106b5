import Database from 'better-sqlite3';

/** Opens a sortie database read-only for assertions. */
export function inspect<T>(file: string, fn: (db: Database.Database) => T): T {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}
