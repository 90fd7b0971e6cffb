//! The codes that identify a comune in comune.yaml: PEC, codice fiscale, partita IVA, codice
//! ISTAT, codice IPA. What is certainly wrong (an address that is not one, a check digit that
//! does not match, letters in an ISTAT code) stops the build; what is still the scaffold's
//! placeholder is named by `civico check`.

/// An email address as a mail server takes it: `local@domain.tld`, no spaces, one `@`.
pub fn email_ok(s: &str) -> bool {
    let s = s.trim();
    let Some((user, domain)) = s.split_once('@') else {
        return false;
    };
    let labels: Vec<&str> = domain.split('.').collect();
    !user.is_empty()
        && user
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._+-".contains(c))
        && labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

/// A domain that looks like a certified mail provider's (`pec`, `cert`, `legalmail`, ...).
pub fn pec_domain(domain: &str) -> bool {
    let d = domain.trim().to_lowercase();
    d.split('.').any(|l| {
        l.contains("pec")
            || l.contains("cert")
            || l.contains("legalmail")
            || l.contains("postacert")
    })
}

/// A PEC: an email address at a certified mail domain.
pub fn pec_ok(s: &str) -> bool {
    email_ok(s) && s.trim().split_once('@').is_some_and(|(_, d)| pec_domain(d))
}

/// 11 digits whose last is the check digit of the first ten (Luhn-like, as the Agenzia delle
/// Entrate computes it for the codice fiscale of an ente and for a partita IVA).
fn undici_cifre_ok(s: &str) -> bool {
    let s = s.trim();
    if s.len() != 11 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let d: Vec<u32> = s.bytes().map(|b| u32::from(b - b'0')).collect();
    let sum: u32 = d
        .iter()
        .take(10)
        .enumerate()
        .map(|(i, &x)| match i % 2 {
            0 => x,
            _ if x * 2 > 9 => x * 2 - 9,
            _ => x * 2,
        })
        .sum();
    (10 - sum % 10) % 10 == d[10]
}

/// Codice fiscale of an ente: 11 digits with the check digit.
pub fn cf_ente_ok(s: &str) -> bool {
    undici_cifre_ok(s)
}

/// Partita IVA: 11 digits with the check digit.
pub fn partita_iva_ok(s: &str) -> bool {
    undici_cifre_ok(s)
}

/// Codice ISTAT of a comune: 6 digits.
pub fn istat_ok(s: &str) -> bool {
    let s = s.trim();
    s.len() == 6 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Codice IPA: lower-case letters, digits and `_`, as IndicePA assigns them (e.g. `c_h501`).
pub fn ipa_ok(s: &str) -> bool {
    let s = s.trim();
    (2..=20).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Whether a value is still one of the placeholders `civico new comune` writes.
pub fn segnaposto(value: &str) -> bool {
    let v = value.trim();
    let zeros = !v.is_empty() && v.chars().all(|c| c == '0' || c == '-');
    zeros
        || v.ends_with("/00000000-0000-0000-0000-000000000000")
        || matches!(v, "c_x000" | "XX" | "Zona da definire" | "Regione")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        assert!(email_ok("protocollo@pec.comune.esempio.it"));
        assert!(pec_ok("comune.x@legalmail.it"));
        assert!(!pec_ok("info@comune.x.it"), "not a certified domain");
        for bad in [
            "protocollo-at-pec.comune.x.it",
            "a@b",
            "a b@pec.it",
            "@pec.it",
            "a@pec..it",
            "a@@pec.it",
        ] {
            assert!(!email_ok(bad), "{bad}");
        }
    }

    #[test]
    fn check_digits() {
        // Comune di Roma, and the example comuni.
        assert!(cf_ente_ok("02438750586"));
        assert!(cf_ente_ok("80001230996"));
        assert!(partita_iva_ok("00001230994"));
        assert!(!cf_ente_ok("80001230997"));
        assert!(!cf_ente_ok("8000123099"));
        assert!(!partita_iva_ok("0000123099X"));
        assert!(istat_ok("099001") && !istat_ok("99001") && !istat_ok("09900A"));
        assert!(ipa_ok("c_h501") && !ipa_ok("C_H501"));
    }

    #[test]
    fn placeholders() {
        for p in [
            "00000000000",
            "000000",
            "c_x000",
            "XX",
            "Zona da definire",
            "https://form.agid.gov.it/view/00000000-0000-0000-0000-000000000000",
        ] {
            assert!(segnaposto(p), "{p}");
        }
        assert!(!segnaposto("80001230996") && !segnaposto("c_h501"));
    }
}
