//! `civico sportello`, the companion service of the static sites for what they cannot do alone
//! (appointments first). Its parts so far:
//!
//! - `config`: a comune's `sportello.yaml` (offices, appointment types, weekly opening hours,
//!   closed days, notice, horizon, capacity, per-person limit), content like everything else;
//! - `agenda`: the slots an office offers, computed in Europe/Rome (DST-safe), never in the
//!   past, inside the minimum notice, beyond the horizon, on holidays or closed days;
//! - `registro`: bookings in SQLite with the capacity of a slot enforced by one guarded
//!   statement inside an immediate transaction (no overbooking under concurrency);
//! - `servizio`: the JSON API the booking pages call, CORS-limited per comune.

pub mod agenda;
pub mod config;
pub mod registro;
pub mod servizio;
