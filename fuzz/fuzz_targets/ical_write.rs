//! The iCalendar writer on items decoded from arbitrary bytes: written,
//! read back with the `ical` crate, and compared field by field (see
//! `calendar::round_trip`).

#![no_main]

mod calendar;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| calendar::round_trip(data));
