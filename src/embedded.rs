//! Files compiled into the binary: the default theme, the `init` scaffold and the sample configuration.

include!(concat!(env!("OUT_DIR"), "/embedded.rs"));

/// The sample site's configuration, which `exemplar init` gives a new site.
pub static SAMPLE_CONFIG: &str = include_str!("../exemplar.yaml");

/// Looks up one file of the embedded default theme by its path inside the theme folder.
pub fn theme_file(rel: &str) -> Option<&'static [u8]> {
    DEFAULT_THEME.iter().find(|(path, _)| *path == rel).map(|(_, bytes)| *bytes)
}
