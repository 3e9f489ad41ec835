// mimalloc rather than the system allocator: rendering allocates and frees millions of small
// template values and strings across threads (see README "Performance" for the figures).
// Heap profilers (valgrind's massif, heaptrack) see only the system allocator: build with
// `--features system-allocator` to use them.
#[cfg(not(feature = "system-allocator"))]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(exemplar::cli::run());
}
