//! The SQLite files civico keeps (IO's send state, the booking register): one way to open them.

use std::path::Path;

use rusqlite::Connection;

/// Opens (or creates) a database in WAL mode with full sync, so a write that returned survives
/// a killed process, waiting up to 10 s for another writer; then applies `schema`.
pub fn apri(path: &Path, schema: &str) -> rusqlite::Result<Connection> {
    let db = Connection::open(path)?;
    db.pragma_update(None, "journal_mode", "WAL")?;
    db.pragma_update(None, "synchronous", "FULL")?;
    db.busy_timeout(std::time::Duration::from_secs(10))?;
    db.execute_batch(schema)?;
    Ok(db)
}
