//! The two databases the service runs on, behind one small interface: SQLite (one file, the
//! default) and PostgreSQL (a `postgres://` URL). Statements are written once, with `?1`-style
//! placeholders (rewritten to `$1` for PostgreSQL) and only portable SQL (`INSERT ... ON
//! CONFLICT DO NOTHING`, `UPDATE ... RETURNING`, CHECK constraints); values are text, integers
//! or NULL. Transactions are opened as writers (`BEGIN IMMEDIATE` on SQLite, so a transaction
//! never fails half-way with "database is locked"). Connections are kept in a small pool.
//!
//! Why not sqlx: its SQLite driver cannot share a build with rusqlite (already here for the IO
//! state), its compile-time checks work against one database only, and its `Any` driver has
//! none; the statements here are few and portable.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use postgres::types::{to_sql_checked, IsNull, ToSql, Type};

/// A value bound to, or read from, a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Valore {
    Testo(String),
    Intero(i64),
    Nullo,
}

impl Valore {
    pub fn testo(&self) -> &str {
        match self {
            Valore::Testo(s) => s,
            _ => "",
        }
    }
    pub fn intero(&self) -> i64 {
        match self {
            Valore::Intero(n) => *n,
            Valore::Testo(s) => s.parse().unwrap_or(0),
            Valore::Nullo => 0,
        }
    }
    pub fn opzione(&self) -> Option<&str> {
        match self {
            Valore::Testo(s) => Some(s),
            _ => None,
        }
    }
}

impl From<&str> for Valore {
    fn from(s: &str) -> Self {
        Valore::Testo(s.to_string())
    }
}
impl From<String> for Valore {
    fn from(s: String) -> Self {
        Valore::Testo(s)
    }
}
impl From<&String> for Valore {
    fn from(s: &String) -> Self {
        Valore::Testo(s.clone())
    }
}
impl From<i64> for Valore {
    fn from(n: i64) -> Self {
        Valore::Intero(n)
    }
}
impl From<u32> for Valore {
    fn from(n: u32) -> Self {
        Valore::Intero(i64::from(n))
    }
}
impl From<Option<&str>> for Valore {
    fn from(s: Option<&str>) -> Self {
        s.map_or(Valore::Nullo, Valore::from)
    }
}
impl From<Option<String>> for Valore {
    fn from(s: Option<String>) -> Self {
        s.map_or(Valore::Nullo, Valore::Testo)
    }
}

/// Builds a parameter list: `params![a, b, c]`.
#[macro_export]
macro_rules! params {
    ($($v:expr),* $(,)?) => { &[$($crate::db::Valore::from($v)),*][..] };
}

impl rusqlite::ToSql for Valore {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(match self {
            Valore::Testo(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Valore::Intero(n) => ToSqlOutput::Borrowed(ValueRef::Integer(*n)),
            Valore::Nullo => ToSqlOutput::Borrowed(ValueRef::Null),
        })
    }
}

impl ToSql for Valore {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Valore::Testo(s) => s.as_str().to_sql(ty, out),
            Valore::Intero(n) if *ty == Type::INT4 => i32::try_from(*n)?.to_sql(ty, out),
            Valore::Intero(n) => n.to_sql(ty, out),
            Valore::Nullo => Ok(IsNull::Yes),
        }
    }
    fn accepts(ty: &Type) -> bool {
        [Type::TEXT, Type::VARCHAR, Type::INT8, Type::INT4].contains(ty)
    }
    to_sql_checked!();
}

/// A database error, with the statement's first words for the operator's log (never values).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct DbErrore(pub String);

impl From<rusqlite::Error> for DbErrore {
    fn from(e: rusqlite::Error) -> Self {
        DbErrore(format!("SQLite: {e}"))
    }
}
impl From<postgres::Error> for DbErrore {
    fn from(e: postgres::Error) -> Self {
        // The client's own text is only "db error"; the server's says what happened.
        match e.as_db_error() {
            Some(d) => DbErrore(format!("PostgreSQL: {} ({})", d.message(), d.code().code())),
            None => DbErrore(format!("PostgreSQL: {e}")),
        }
    }
}

pub type Esito<T> = Result<T, DbErrore>;

/// Where the data lives.
#[derive(Debug, Clone)]
pub enum Dove {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Dove {
    /// A `postgres://` or `postgresql://` URL, otherwise a SQLite file path.
    pub fn da(s: &str) -> Dove {
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            Dove::Postgres(s.to_string())
        } else {
            Dove::Sqlite(PathBuf::from(s))
        }
    }
    /// For messages: the file, or the PostgreSQL host and database without credentials.
    pub fn descrizione(&self) -> String {
        match self {
            Dove::Sqlite(p) => p.display().to_string(),
            Dove::Postgres(u) => url::Url::parse(u)
                .map(|u| {
                    format!(
                        "postgres://{}{}",
                        u.host_str().unwrap_or(""),
                        u.port().map(|p| format!(":{p}")).unwrap_or_default()
                    ) + u.path()
                })
                .unwrap_or_else(|_| "postgres://…".into()),
        }
    }
}

/// One connection. A SQLite connection carries the writer lock of its file: SQLite admits one
/// writer at a time, and queueing the writers of this process on a mutex (instead of letting
/// them poll the file lock with the busy handler's sleeps) keeps the tail latency low under
/// contention; other processes are still waited for through `busy_timeout`.
pub enum Conn {
    Sqlite(rusqlite::Connection, Arc<Mutex<()>>),
    Pg(Box<postgres::Client>),
}

/// The writer lock of a SQLite file, shared by every connection of this process to it.
fn scrittore(p: &std::path::Path) -> Arc<Mutex<()>> {
    static TUTTI: OnceLock<Mutex<HashMap<PathBuf, Arc<Mutex<()>>>>> = OnceLock::new();
    let chiave = std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let mut m = TUTTI
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    m.entry(chiave).or_default().clone()
}

/// `?1` → `$1` for PostgreSQL (the statements here have no `?` inside string literals).
fn pg_sql(sql: &str) -> String {
    sql.replace('?', "$")
}

fn pg_valore(row: &postgres::Row, i: usize) -> Esito<Valore> {
    let ty = row.columns()[i].type_();
    Ok(if *ty == Type::INT8 {
        row.try_get::<_, Option<i64>>(i)?
            .map_or(Valore::Nullo, Valore::Intero)
    } else if *ty == Type::INT4 {
        row.try_get::<_, Option<i32>>(i)?
            .map_or(Valore::Nullo, |n| Valore::Intero(i64::from(n)))
    } else if *ty == Type::BOOL {
        row.try_get::<_, Option<bool>>(i)?
            .map_or(Valore::Nullo, |b| Valore::Intero(i64::from(b)))
    } else {
        row.try_get::<_, Option<String>>(i)?
            .map_or(Valore::Nullo, Valore::Testo)
    })
}

impl Conn {
    pub fn apri(dove: &Dove) -> Esito<Conn> {
        match dove {
            Dove::Sqlite(p) => {
                let db = rusqlite::Connection::open(p)?;
                db.pragma_update(None, "journal_mode", "WAL")?;
                db.pragma_update(None, "synchronous", "FULL")?;
                db.pragma_update(None, "foreign_keys", "ON")?;
                db.busy_timeout(std::time::Duration::from_secs(10))?;
                Ok(Conn::Sqlite(db, scrittore(p)))
            }
            Dove::Postgres(u) => Ok(Conn::Pg(Box::new(postgres::Client::connect(
                u,
                postgres::NoTls,
            )?))),
        }
    }

    pub fn is_pg(&self) -> bool {
        matches!(self, Conn::Pg(_))
    }

    /// Runs a statement; the number of rows it changed.
    pub fn esegui(&mut self, sql: &str, params: &[Valore]) -> Esito<u64> {
        match self {
            Conn::Sqlite(c, _) => {
                let mut st = c.prepare_cached(sql)?;
                Ok(st.execute(rusqlite::params_from_iter(params.iter()))? as u64)
            }
            Conn::Pg(c) => {
                let p: Vec<&(dyn ToSql + Sync)> =
                    params.iter().map(|v| v as &(dyn ToSql + Sync)).collect();
                Ok(c.execute(pg_sql(sql).as_str(), &p)?)
            }
        }
    }

    /// Runs a query; its rows.
    pub fn righe(&mut self, sql: &str, params: &[Valore]) -> Esito<Vec<Vec<Valore>>> {
        match self {
            Conn::Sqlite(c, _) => {
                let mut st = c.prepare_cached(sql)?;
                let n = st.column_count();
                let rows = st.query_map(rusqlite::params_from_iter(params.iter()), |r| {
                    (0..n)
                        .map(|i| {
                            Ok(match r.get_ref(i)? {
                                rusqlite::types::ValueRef::Integer(x) => Valore::Intero(x),
                                rusqlite::types::ValueRef::Text(t) => {
                                    Valore::Testo(String::from_utf8_lossy(t).into_owned())
                                }
                                rusqlite::types::ValueRef::Real(x) => Valore::Intero(x as i64),
                                _ => Valore::Nullo,
                            })
                        })
                        .collect::<rusqlite::Result<Vec<_>>>()
                })?;
                Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
            }
            Conn::Pg(c) => {
                let p: Vec<&(dyn ToSql + Sync)> =
                    params.iter().map(|v| v as &(dyn ToSql + Sync)).collect();
                let rows = c.query(pg_sql(sql).as_str(), &p)?;
                rows.iter()
                    .map(|r| (0..r.len()).map(|i| pg_valore(r, i)).collect())
                    .collect()
            }
        }
    }

    /// The first row of a query, if any.
    /// The rows of a query of four text columns, as tuples (the lists of the area personale).
    pub fn quaterne(
        &mut self,
        sql: &str,
        params: &[Valore],
    ) -> Esito<Vec<(String, String, String, String)>> {
        Ok(self
            .righe(sql, params)?
            .into_iter()
            .map(|r| {
                let t = |i: usize| r.get(i).map_or(String::new(), |v| v.testo().to_string());
                (t(0), t(1), t(2), t(3))
            })
            .collect())
    }

    pub fn riga(&mut self, sql: &str, params: &[Valore]) -> Esito<Option<Vec<Valore>>> {
        Ok(self.righe(sql, params)?.into_iter().next())
    }

    fn batch(&mut self, sql: &str) -> Esito<()> {
        match self {
            Conn::Sqlite(c, _) => Ok(c.execute_batch(sql)?),
            Conn::Pg(c) => Ok(c.batch_execute(sql)?),
        }
    }

    /// Runs `f` in a writing transaction: committed if it returns `Ok`, rolled back otherwise.
    pub fn transazione<T, E: From<DbErrore>>(
        &mut self,
        f: impl FnOnce(&mut Conn) -> Result<T, E>,
    ) -> Result<T, E> {
        let begin = if self.is_pg() {
            "BEGIN"
        } else {
            "BEGIN IMMEDIATE"
        };
        let lock = match self {
            Conn::Sqlite(_, l) => Some(l.clone()),
            Conn::Pg(_) => None,
        };
        // A panic elsewhere while holding it leaves no broken state behind: SQLite rolls back.
        let _scrittura = lock
            .as_ref()
            .map(|l| l.lock().unwrap_or_else(|e| e.into_inner()));
        self.batch(begin)?;
        match f(self) {
            Ok(v) => {
                self.batch("COMMIT")?;
                Ok(v)
            }
            Err(e) => {
                // The transaction may already be gone (a failed COMMIT); nothing to undo then.
                let _ = self.batch("ROLLBACK");
                Err(e)
            }
        }
    }

    /// Serialises concurrent writers on `chiave` until the transaction ends. SQLite's
    /// `BEGIN IMMEDIATE` already serialises every writer; PostgreSQL takes an advisory lock.
    pub fn advisory_lock(&mut self, chiave: &str) -> Esito<()> {
        if self.is_pg() {
            self.righe(
                "SELECT pg_advisory_xact_lock(hashtextextended(?1, 0))::text",
                params![chiave],
            )?;
        }
        Ok(())
    }

    /// Applies the migrations not yet applied, in order, each in its own transaction, and
    /// records them in `versione_schema`.
    pub fn migra(&mut self, migrazioni: &[(&str, &str)]) -> Esito<()> {
        self.batch(
            "CREATE TABLE IF NOT EXISTS versione_schema (versione BIGINT PRIMARY KEY, applicata TEXT NOT NULL)",
        )?;
        for (i, (lite, pg)) in migrazioni.iter().enumerate() {
            let v = i as i64 + 1;
            self.transazione(|c| -> Esito<()> {
                c.advisory_lock("civico-migrazioni")?;
                if c.riga(
                    "SELECT versione FROM versione_schema WHERE versione = ?1",
                    params![v],
                )?
                .is_some()
                {
                    return Ok(());
                }
                c.batch(if c.is_pg() { pg } else { lite })?;
                c.esegui(
                    "INSERT INTO versione_schema (versione, applicata) VALUES (?1, ?2)",
                    params![v, chrono::Utc::now().to_rfc3339()],
                )?;
                Ok(())
            })?;
        }
        Ok(())
    }
}

/// A few open connections, reused (opening a PostgreSQL connection costs milliseconds).
pub struct Pool {
    dove: Dove,
    libere: Mutex<Vec<Conn>>,
}

/// A connection taken from the pool; it goes back when dropped.
pub struct Presa<'a> {
    pool: &'a Pool,
    conn: Option<Conn>,
}

impl std::ops::Deref for Presa<'_> {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        self.conn.as_ref().expect("present until drop")
    }
}
impl std::ops::DerefMut for Presa<'_> {
    fn deref_mut(&mut self) -> &mut Conn {
        self.conn.as_mut().expect("present until drop")
    }
}
impl Drop for Presa<'_> {
    fn drop(&mut self) {
        if let (Some(c), Ok(mut l)) = (self.conn.take(), self.pool.libere.lock()) {
            if l.len() < 16 {
                l.push(c);
            }
        }
    }
}

impl Pool {
    /// Opens one connection and applies the migrations (so a bad URL fails at start).
    pub fn apri(dove: Dove, migrazioni: &[(&str, &str)]) -> Esito<Pool> {
        let mut c = Conn::apri(&dove)?;
        c.migra(migrazioni)?;
        Ok(Pool {
            dove,
            libere: Mutex::new(vec![c]),
        })
    }

    pub fn dove(&self) -> &Dove {
        &self.dove
    }

    pub fn prendi(&self) -> Esito<Presa<'_>> {
        let free = self.libere.lock().ok().and_then(|mut l| l.pop());
        let conn = match free {
            Some(c) => c,
            None => Conn::apri(&self.dove)?,
        };
        Ok(Presa {
            pool: self,
            conn: Some(conn),
        })
    }
}
