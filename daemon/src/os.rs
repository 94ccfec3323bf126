//! What the daemon asks of the operating system beyond what std offers:
//! to take back the memory a burst of reading freed, and to run the
//! reading below the serving.
//!
//! These are the only foreign calls in the project, which otherwise
//! forbids `unsafe`. None takes a pointer or has a precondition a caller
//! could break. Off Linux with glibc the allocator's do nothing.
//!
//! The e2e test `a_cycle_reads_and_writes_below_the_threads_that_answer`
//! checks that a cycle's threads, and those they start, run lowered.

/// How much lower than serving the threads that read and index sources
/// run (a nice value). At 19 they get about 1.5% of a contended core
/// against the threads that answer searches (the kernel weighs nice 19 at
/// 15 against 1024 for nice 0), and all of an idle one.
pub const INGEST_NICENESS: i32 = 19;

/// Gives the system back the memory the allocator holds free.
///
/// glibc keeps what a thread freed in that thread's arena, and returns it
/// only from the top of a heap: after a cycle has read and parsed a few
/// hundred pages on several threads, a hundred megabytes or more would
/// stay resident though nothing uses them. `malloc_trim` walks every
/// arena and returns its free pages. It locks each arena in turn, so it is
/// called when no source is being read, not during a cycle. Returns
/// whether anything was given back.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[expect(
    unsafe_code,
    reason = "malloc_trim, a glibc call without preconditions"
)]
pub fn release_free_memory() -> bool {
    // SAFETY: malloc_trim takes no pointer and glibc serialises it with
    // every other allocator call; it only returns pages nothing uses.
    unsafe { libc::malloc_trim(0) == 1 }
}

/// The smallest allocation glibc serves from its own mapping, returned to
/// the system the moment it is freed (see [`keep_large_buffers_off_the_heap`]):
/// 1,100 KiB, just above the two buffers the index writer asks for again
/// and again. tantivy's writer takes its memory in pages of 1 MiB, and
/// each segment it writes or merges builds one term dictionary per indexed
/// field, each with a 960,000-byte table (17 fields: 16 MB a segment).
/// Mapped afresh, every one of those was new memory to fault in, page by
/// page, and to zero: at 256 KiB, a fresh ingest of 100,000 items took 0.8
/// to 1.1 million page faults; at 1,100 KiB, 0.28 million.
pub const LARGE_BUFFER_BYTES: i32 = 1100 * 1024;

/// Serves every allocation of [`LARGE_BUFFER_BYTES`] or more from a mapping
/// of its own, for the whole process.
///
/// glibc starts there at 128 KB, but raises the threshold to the size of
/// each large block freed, up to 32 MB: after a few pages have been read,
/// their bodies, parse trees and item lists all come from the arenas, and
/// what they leave free stays resident until the cycle ends and
/// [`release_free_memory`] runs. A fixed threshold keeps the largest
/// buffers (the writer's term hash table, a large source's item list) out
/// of the arenas.
///
/// Measured with the load generator at 100,000 items, in interleaved runs.
/// A threshold of 256 KiB first took a re-ingest beside computed searches
/// from a peak of 141–144 MB to 127–128 MB. It cost a fresh ingest CPU,
/// which was not traced to the writer's buffers until later. Moving the
/// threshold above those buffers (2026-11-30, night) made the fresh ingest
/// faster in each of five pairs: 6.7–10.5 s through the pipeline against
/// 7.1–11.3 s, 10.3–16.8 s of CPU against 10.9–18.0 s. The re-ingest's
/// peak rose by 3–5 MB (117–125 MB against 113–122 MB); that of a
/// re-ingest rewriting every record did not change measurably (223–226 MB
/// against 208–225 MB). A threshold of exactly 1 MiB would still map the
/// writer's pages: each is 1 MiB plus glibc's header.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[expect(unsafe_code, reason = "mallopt, a glibc call without preconditions")]
pub fn keep_large_buffers_off_the_heap() {
    // SAFETY: mallopt takes no pointer; glibc applies it under its own
    // lock, to the allocations made after it.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, LARGE_BUFFER_BYTES);
    }
}

/// Nothing to set for this system's allocator.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn keep_large_buffers_off_the_heap() {}

/// Gives the system back the memory the allocator holds free (here the
/// allocator does that itself).
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn release_free_memory() -> bool {
    false
}

/// Lowers the calling thread's CPU priority to `niceness` (Linux keeps a
/// nice value per thread). Threads it starts afterwards inherit it: the
/// index writer's own worker and merge threads, started by the writer's
/// thread, run at the writer's priority. Raising a priority back needs
/// privileges, so this is for threads that only ever do background work.
#[cfg(target_os = "linux")]
#[expect(unsafe_code, reason = "setpriority on the calling thread")]
pub fn lower_this_thread_priority(niceness: i32) -> std::io::Result<()> {
    // SAFETY: gettid and setpriority take no pointer; on Linux,
    // PRIO_PROCESS with a thread id sets that one thread's nice value.
    let result = unsafe {
        let tid = libc::gettid();
        libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, niceness)
    };
    if result == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// Lowers the calling thread's CPU priority (not done on this system).
#[cfg(not(target_os = "linux"))]
pub fn lower_this_thread_priority(_niceness: i32) -> std::io::Result<()> {
    Ok(())
}
