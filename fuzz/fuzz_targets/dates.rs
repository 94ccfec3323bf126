//! The date parser on arbitrary text (see `common::dates`).

#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| common::dates(data));
