fn main() {
    std::process::exit(exemplar::cli::run());
}
