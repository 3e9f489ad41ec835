//! The command line's own words: `--help`, `--version` and the errors of a mistyped command (an
//! unknown option, a missing argument, a bad value), in the reader's language. clap parses; every
//! text comes from the theme's `i18n/cli.<lang>.yaml` (`cli.help.*`, `cli.usage.*`).
//!
//! [`crate::cli::run`] parses with the plain command first and comes here only when that fails
//! (help and version are "failures" too), so a command that parses reads no configuration here.

use std::ffi::OsString;
use std::path::Path;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, ArgAction, Command, CommandFactory};

use crate::content::front_matter::TextError;
use crate::i18n::Catalog;

/// The messages for the command line's help and errors, chosen before the arguments are parsed
/// as for every command: `--lang`, else the language of the site named among the arguments (a
/// folder holding `exemplar.yaml`), else of the site in the current folder, else Chinese.
pub fn catalog(args: &[OsString]) -> Catalog {
    let words: Vec<&str> = args.iter().skip(1).filter_map(|a| a.to_str()).collect();
    let mut lang = None;
    for (i, word) in words.iter().enumerate() {
        if *word == "--" {
            break;
        }
        if let Some(value) = word.strip_prefix("--lang=") {
            lang = Some(value);
            break;
        }
        if *word == "--lang" {
            lang = words.get(i + 1).copied();
            break;
        }
    }
    let site = words.iter().map(Path::new).find(|p| p.join("exemplar.yaml").is_file()).unwrap_or(Path::new("."));
    crate::cli::site_catalog(site, lang)
}

/// The command line as clap sees it, with every heading, description and built-in flag in the
/// catalog's language.
pub fn command(catalog: &Catalog) -> Command {
    let mut command = localize(crate::cli::Cli::command(), catalog, "").disable_version_flag(true).arg(
        Arg::new("version").short('V').long("version").action(ArgAction::Version).help(catalog.get("cli.help.version")),
    );
    // clap adds `help` (the command) and each command's usage line while building: only then can
    // they be put into words of the catalog.
    command.build();
    localize_usage(command, catalog)
}

/// Sets the texts of `command` and its subcommands; `path` is its key in `cli.help` (`new.case`).
fn localize(mut command: Command, catalog: &Catalog, path: &str) -> Command {
    let key = |name: &str| match path {
        "" => format!("cli.help.{name}"),
        _ => format!("cli.help.{path}.{name}"),
    };
    // clap's own headings are English; the template names the sections this command has.
    let mut template = format!("{{about-with-newline}}\n{}{{usage}}\n", catalog.get("cli.help.usage"));
    if command.has_subcommands() {
        template.push_str(&format!("\n{}\n{{subcommands}}\n", catalog.get("cli.help.commands")));
    }
    if command.get_arguments().any(Arg::is_positional) {
        template.push_str(&format!("\n{}\n{{positionals}}\n", catalog.get("cli.help.arguments")));
    }
    template.push_str(&format!("\n{}\n{{options}}{{after-help}}", catalog.get("cli.help.options")));
    command = command
        .about(catalog.get(&key("about")))
        .help_template(template)
        .disable_help_flag(true)
        .arg(Arg::new("help").short('h').long("help").action(ArgAction::Help).help(catalog.get("cli.help.help")));
    let ids: Vec<String> =
        command.get_arguments().map(|arg| arg.get_id().to_string()).filter(|id| id != "help").collect();
    for id in ids {
        command = command.mut_arg(&id, |arg| {
            let mut help = catalog.get(&key(&id));
            let defaults: Vec<String> =
                arg.get_default_values().iter().map(|v| v.to_string_lossy().into_owned()).collect();
            if !defaults.is_empty() {
                help.push(' ');
                help.push_str(&catalog.format("cli.help.default", &[("value", defaults.join(", "))]));
            }
            if !arg.get_action().takes_values() {
                return arg.help(help);
            }
            // The catalog's help names the values itself (clap's list is English).
            arg.help(help).hide_default_value(true).hide_possible_values(true)
        });
    }
    let names: Vec<String> = command.get_subcommands().map(|sub| sub.get_name().to_owned()).collect();
    for name in names {
        let sub_path = if path.is_empty() { name.clone() } else { format!("{path}.{name}") };
        command = command.mut_subcommand(&name, |sub| localize(sub, catalog, &sub_path));
    }
    command
}

/// The usage line of `command` and its subcommands with clap's `[OPTIONS]` and `<COMMAND>` in
/// the catalog's words (`exemplar build [选项] [SITE_DIR]`), and the `help` commands described.
fn localize_usage(mut command: Command, catalog: &Catalog) -> Command {
    let usage = command.render_usage().to_string();
    let usage = usage.split_once(": ").map_or(usage.as_str(), |(_, line)| line).trim();
    let usage = usage
        .replace("[OPTIONS]", &catalog.get("cli.help.options_placeholder"))
        .replace("<COMMAND>", &catalog.get("cli.help.command_placeholder"));
    command = command.override_usage(usage);
    for sub in command.get_subcommands_mut() {
        let mut localized = localize_usage(std::mem::take(sub), catalog);
        if localized.get_name() == "help" {
            localized = localized.about(catalog.get("cli.help.help_command"));
        }
        *sub = localized;
    }
    command
}

/// Prints what clap stopped at, in the catalog's language, and returns the exit code: the help or
/// the version (0, or 2 when the command was missing), or a usage error (2). `args` are the
/// arguments clap was given.
pub fn report(err: &clap::Error, command: &Command, catalog: &Catalog, args: &[OsString]) -> i32 {
    if matches!(
        err.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = err.print();
    } else {
        eprint!("{}", message(err, command, catalog, args));
    }
    err.exit_code()
}

/// A usage error as the reader sees it: what is wrong, a suggestion or what was expected, the
/// usage line and where to read more.
pub fn message(err: &clap::Error, command: &Command, catalog: &Catalog, args: &[OsString]) -> String {
    let text = |kind: ContextKind| match err.get(kind) {
        Some(ContextValue::String(s)) => s.clone(),
        Some(ContextValue::Strings(list)) => list.join(", "),
        Some(ContextValue::StyledStr(s)) => s.to_string(),
        Some(ContextValue::Number(n)) => n.to_string(),
        _ => String::new(),
    };
    let arg = text(ContextKind::InvalidArg);
    let value = text(ContextKind::InvalidValue);
    // The (sub)command the arguments name, for its usage line when clap gives none.
    let mut named = command;
    for word in args.iter().skip(1).filter_map(|a| a.to_str()).take_while(|w| *w != "--") {
        if let Some(sub) = named.find_subcommand(word) {
            named = sub;
        }
    }
    let usage = match text(ContextKind::Usage) {
        // "Usage: exemplar new case [OPTIONS] <TITLE>": the line without its title.
        given if !given.is_empty() => given.split_once(": ").map_or(given.as_str(), |(_, line)| line).trim().to_owned(),
        _ => named.get_overridden_usage().map(|usage| usage.to_string()).unwrap_or_default(),
    };
    // A new case's text refused for what `check` would say of it (`cli::case_text_value`).
    let text_error = std::error::Error::source(err).and_then(|e| e.downcast_ref::<TextError>());
    let (length, limit) = match text_error {
        Some(TextError::TooLong { length, limit }) => (length.to_string(), limit.to_string()),
        _ => Default::default(),
    };
    let fields = [
        ("arg", arg.clone()),
        ("value", value.clone()),
        ("name", text(ContextKind::InvalidSubcommand)),
        ("other", text(ContextKind::PriorArg)),
        ("values", text(ContextKind::ValidSubcommand)),
        ("length", length),
        ("limit", limit),
    ];
    let key = match err.kind() {
        ErrorKind::UnknownArgument => "unknown_argument",
        ErrorKind::InvalidSubcommand => "unknown_command",
        ErrorKind::InvalidValue if value.is_empty() => "missing_value",
        // A value given blank (`exemplar new case ""`, or only a zero-width space) where text is
        // needed.
        ErrorKind::ValueValidation if value.trim().is_empty() || text_error == Some(&TextError::Blank) => "empty_value",
        ErrorKind::ValueValidation if text_error.is_some() => "value_too_long",
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => "invalid_value",
        ErrorKind::MissingRequiredArgument => "missing_argument",
        ErrorKind::MissingSubcommand => "missing_command",
        ErrorKind::ArgumentConflict if err.get(ContextKind::PriorArg) == err.get(ContextKind::InvalidArg) => "repeated",
        ErrorKind::ArgumentConflict => "conflict",
        ErrorKind::TooManyValues => "unexpected_value",
        ErrorKind::InvalidUtf8 => "invalid_utf8",
        _ => "other",
    };
    let mut out = format!("{}: ", catalog.get("cli.error"));
    if key == "other" {
        // Kinds this command line cannot produce (its options take one value each): clap's words.
        let detail = err.render().to_string();
        let detail = detail.lines().next().unwrap_or_default().trim_start_matches("error: ").to_owned();
        out.push_str(&catalog.format("cli.usage.other", &[("detail", detail)]));
    } else {
        out.push_str(&catalog.format(&format!("cli.usage.{key}"), &fields));
    }
    out.push('\n');
    // Notes as in the content diagnostics: `= 期望: …`, `= 提示: …`.
    let (expected, hint) = (catalog.get("cli.expected"), catalog.get("cli.hint"));
    let mut notes = Vec::new();
    let valid = text(ContextKind::ValidValue);
    if !valid.is_empty() {
        notes.push((&expected, catalog.format("cli.usage.possible_values", &[("values", valid)])));
    } else if matches!(key, "invalid_value" | "empty_value" | "value_too_long")
        && let Some(help) = option_help(named, &arg)
    {
        notes.push((&expected, help));
    }
    for kind in [ContextKind::SuggestedSubcommand, ContextKind::SuggestedArg, ContextKind::SuggestedValue] {
        let suggestion = text(kind);
        if !suggestion.is_empty() {
            notes.push((&hint, crate::diagnostics::did_you_mean(catalog, &suggestion)));
        }
    }
    if key == "unknown_argument" && err.get(ContextKind::Suggested).is_some() {
        // clap's tip for a value that starts with `-`: it has to follow `--`.
        notes.push((&hint, catalog.format("cli.usage.as_value", &[("arg", arg.clone())])));
    }
    for (label, note) in notes {
        out.push_str(&format!("  = {label}: {note}\n"));
    }
    if !usage.is_empty() {
        out.push_str(&format!("\n{}{usage}\n", catalog.get("cli.help.usage")));
    }
    let name = named.get_bin_name().unwrap_or(named.get_name());
    out.push_str(&catalog.format("cli.usage.more", &[("command", name.to_owned())]));
    out.push('\n');
    out
}

/// The help text of `command`'s option or argument `arg` (`--port <PORT>`, `[SITE_DIR]`).
fn option_help(command: &Command, arg: &str) -> Option<String> {
    let first = arg.split_whitespace().next()?;
    let found = command.get_arguments().find(|a| match first.strip_prefix("--") {
        Some(long) => a.get_long() == Some(long),
        None => a
            .get_value_names()
            .is_some_and(|names| names.iter().any(|n| first.trim_matches(['[', ']', '<', '>', '.']) == n.as_str())),
    })?;
    Some(found.get_help()?.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::LANGUAGES;

    /// Every text `command` shows, with where it is shown.
    fn texts(command: &Command, out: &mut Vec<(String, String)>) {
        let name = command.get_bin_name().unwrap_or(command.get_name()).to_owned();
        out.push((name.clone(), command.get_about().map(|a| a.to_string()).unwrap_or_default()));
        for arg in command.get_arguments() {
            out.push((format!("{name} {}", arg.get_id()), arg.get_help().map(|h| h.to_string()).unwrap_or_default()));
        }
        for sub in command.get_subcommands() {
            texts(sub, out);
        }
    }

    #[test]
    fn every_command_and_option_is_described_in_both_languages() {
        let [zh, en] = LANGUAGES.map(|lang| {
            let mut out = Vec::new();
            texts(&command(&Catalog::builtin(lang)), &mut out);
            out
        });
        assert_eq!(zh.len(), en.len());
        assert!(zh.len() > 40, "{zh:?}");
        for ((place, chinese), (_, english)) in zh.iter().zip(&en) {
            // A missing key shows as the key itself.
            assert!(!chinese.is_empty() && !chinese.contains("cli.help"), "{place}: {chinese:?}");
            assert!(!english.is_empty() && !english.contains("cli.help"), "{place}: {english:?}");
            assert_ne!(chinese, english, "{place}");
        }
    }

    #[test]
    fn the_language_is_lang_then_the_named_site_then_chinese() {
        let args = |words: &[&str]| words.iter().map(OsString::from).collect::<Vec<_>>();
        assert_eq!(catalog(&args(&["exemplar", "build", "--lang", "en"])).language(), "en");
        assert_eq!(catalog(&args(&["exemplar", "--lang=en", "--help"])).language(), "en");
        let tmp = tempfile::tempdir().unwrap();
        let site = tmp.path().join("site");
        std::fs::create_dir_all(site.join("content")).unwrap();
        let config = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/exemplar.yaml")).unwrap();
        std::fs::write(site.join("exemplar.yaml"), config.replacen("language: zh-CN", "language: en", 1)).unwrap();
        let site_arg = site.to_string_lossy().into_owned();
        assert_eq!(catalog(&args(&["exemplar", "build", &site_arg, "--outptu"])).language(), "en");
        assert_eq!(catalog(&args(&["exemplar", "new", "case", "标题", "--dir", &site_arg])).language(), "en");
        assert_eq!(catalog(&args(&["exemplar", "build", &site_arg, "--lang", "zh-CN"])).language(), "zh-CN");
        // `--lang` after `--` is a value, not the option: the site in the current folder (the
        // repository's sample site) decides.
        assert_eq!(catalog(&args(&["exemplar", "search", "--", "--lang", "en"])).language(), "zh-CN");
    }
}
