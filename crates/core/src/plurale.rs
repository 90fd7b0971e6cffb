//! Counts as people read them in Italian: "1 errore", "2 errori", "0 avvisi".

/// `n` followed by the singular or the plural of a noun.
pub fn conta(n: usize, singolare: &str, plurale: &str) -> String {
    format!("{n} {}", if n == 1 { singolare } else { plurale })
}

pub fn errori(n: usize) -> String {
    conta(n, "errore", "errori")
}

pub fn avvisi(n: usize) -> String {
    conta(n, "avviso", "avvisi")
}

pub fn comuni(n: usize) -> String {
    conta(n, "comune", "comuni")
}

pub fn pagine(n: usize) -> String {
    conta(n, "pagina", "pagine")
}

/// "file" is the same in the singular and the plural.
pub fn file(n: usize) -> String {
    conta(n, "file", "file")
}

pub fn messaggi(n: usize) -> String {
    conta(n, "messaggio", "messaggi")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn singular_only_for_one() {
        assert_eq!(errori(0), "0 errori");
        assert_eq!(errori(1), "1 errore");
        assert_eq!(avvisi(1), "1 avviso");
        assert_eq!(avvisi(12), "12 avvisi");
        assert_eq!(comuni(1), "1 comune");
        assert_eq!(comuni(3), "3 comuni");
        assert_eq!(pagine(1), "1 pagina");
        assert_eq!(file(2), "2 file");
        assert_eq!(messaggi(1), "1 messaggio");
    }
}
