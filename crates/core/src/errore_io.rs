//! Input/output errors as people read them: in Italian for the usual causes (the operating
//! system's own text, in English, only for the rare others).

use std::io::{Error, ErrorKind};

/// What went wrong reading or writing a file, a folder or a socket.
pub fn descrivi(e: &Error) -> String {
    match e.kind() {
        ErrorKind::NotFound => "il file o la cartella non esiste".into(),
        ErrorKind::PermissionDenied => "permesso negato".into(),
        ErrorKind::AlreadyExists => "esiste già".into(),
        ErrorKind::StorageFull => "il disco è pieno".into(),
        ErrorKind::ReadOnlyFilesystem => "il disco è in sola lettura".into(),
        ErrorKind::IsADirectory => "è una cartella, non un file".into(),
        ErrorKind::NotADirectory => "non è una cartella".into(),
        ErrorKind::InvalidData => "dati non validi (un file di testo va salvato in UTF-8)".into(),
        ErrorKind::AddrInUse => {
            "l'indirizzo è già in uso (un altro programma ascolta su quella porta)".into()
        }
        ErrorKind::AddrNotAvailable => "l'indirizzo non è di questa macchina".into(),
        ErrorKind::ConnectionRefused => "connessione rifiutata".into(),
        ErrorKind::TimedOut => "tempo scaduto".into(),
        _ => format!("errore di sistema ({e})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_usual_causes_are_in_italian() {
        let missing = std::fs::read("/non/esiste/davvero").unwrap_err();
        assert_eq!(descrivi(&missing), "il file o la cartella non esiste");
        let odd = Error::other("boom");
        assert_eq!(descrivi(&odd), "errore di sistema (boom)");
    }
}
