// mimalloc rather than the system allocator: rendering allocates and frees millions of small
// template values and strings across threads (see README "Performance" for the figures).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(exemplar::cli::run());
}
