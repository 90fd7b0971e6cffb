//! Rate limits on what costs the service or takes a seat (challenges, holds, bookings, moves,
//! cancellations, logins): per client address and per comune, with governor's keyed GCRA
//! limiters (bursts allowed, then a steady rate). Behind a reverse proxy the client address is
//! the one it reports in `X-Forwarded-For`, trusted only with `--trust-proxy`.

use std::net::IpAddr;
use std::num::NonZeroU32;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// Requests per minute allowed to one address and to one comune.
#[derive(Debug, Clone, Copy)]
pub struct Soglie {
    pub per_ip: u32,
    pub per_comune: u32,
}

pub struct Limiti {
    ip: DefaultKeyedRateLimiter<IpAddr>,
    comune: DefaultKeyedRateLimiter<String>,
}

fn quota(n: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN))
}

impl Limiti {
    pub fn new(s: Soglie) -> Limiti {
        Limiti {
            ip: RateLimiter::keyed(quota(s.per_ip)),
            comune: RateLimiter::keyed(quota(s.per_comune)),
        }
    }

    /// Whether one more request from `ip` for `comune` may go through now.
    pub fn consenti(&self, ip: IpAddr, comune: &str) -> bool {
        self.ip.check_key(&ip).is_ok() && self.comune.check_key(&comune.to_string()).is_ok()
    }

    /// Forgets the keys that are back to a full allowance (call now and then).
    pub fn pulisci(&self) {
        self.ip.retain_recent();
        self.comune.retain_recent();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_address_and_per_comune() {
        let l = Limiti::new(Soglie {
            per_ip: 3,
            per_comune: 5,
        });
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        assert!((0..3).all(|_| l.consenti(a, "valfiorita")));
        assert!(!l.consenti(a, "valfiorita"), "the fourth from one address");
        assert!(l.consenti(b, "valfiorita"));
        assert!(l.consenti(b, "valfiorita"));
        // Five for Valfiorita have gone through (3 + 2): the comune's own budget is spent.
        assert!(!l.consenti("192.0.2.3".parse().unwrap(), "valfiorita"));
        assert!(l.consenti("192.0.2.3".parse().unwrap(), "castelmarino"));
    }
}
