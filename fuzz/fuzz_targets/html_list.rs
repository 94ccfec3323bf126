//! The `html_list` extractor on arbitrary bytes, read as a run reads a page
//! (see `common::page`).

#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| common::page("html_list", data));
