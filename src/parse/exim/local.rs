//! cPanel's `etc/exim.conf.local`: the administrator's additions to the generated
//! `etc/exim.conf` (WHM » Exim Configuration Manager » Advanced Editor), read the way cPanel's
//! `buildeximconf` reads it (`shared/reference/cpanel.md` §6.3, §11 of `exim.md`).
//!
//! The file is a list of sections. A line that starts with `@NAME@` or `%NAME%` starts the
//! section `NAME` (anything after the marker on that line is ignored); every other line belongs
//! to the current section (lines before the first marker belong to none and are ignored). The
//! text of a section is inserted into the generated file at the placeholder of the same name.
//!
//! The `CONFIG` section holds main-section options and is read line by line: a line's option
//! name is the text before its first `=`, trimmed (cPanel splits every non-blank line that way,
//! comments and continuation lines included); the option it names is *killed* in cPanel's own
//! part of the generated file, so a `CONFIG` line overrides what `etc/exim.conf.localopts` would
//! give. A `CONFIG` line whose last non-blank character is `=` (`tls_require_ciphers =`) is not
//! copied: it only removes the option. `daemon_smtp_ports`, `daemon_smtp_port` and
//! `tls_on_connect_ports` are not copied either: their value replaces cPanel's port set.
//!
//! The document is lossless: every line is a piece ([`Lossless`]).

use crate::parse::Lossless;
use crate::source::{SourceFile, Span};

/// A parsed `etc/exim.conf.local`.
#[derive(Clone, Debug, Default)]
pub struct LocalConf {
    /// Every line of the file, with its section.
    pub lines: Vec<LocalLine>,
    /// The sections, in file order (a name may occur twice; cPanel appends the texts).
    pub sections: Vec<LocalSection>,
}

/// One line of the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalLine {
    /// The whole line including its `\n`.
    pub span: Span,
    /// The line without `\n` and a `\r` before it.
    pub text: Span,
    /// Index into [`LocalConf::sections`] of the section the line belongs to (a marker line
    /// belongs to the section it starts); `None` before the first marker.
    pub section: Option<usize>,
    /// Whether the line is a section marker.
    pub marker: bool,
}

/// A section: its marker and its lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalSection {
    /// `CONFIG`, `AUTH`, `PREROUTERS`…
    pub name: String,
    /// The marker line (without its newline).
    pub marker: Span,
    /// Indexes into [`LocalConf::lines`] of the section's lines (the marker excluded).
    pub lines: Vec<usize>,
}

/// A line of the `CONFIG` section read as an option, the way cPanel reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalOption {
    /// The option name: the text before the first `=`, trimmed.
    pub name: String,
    pub name_span: Span,
    /// The text after the first `=`, trimmed (without a final `\r`); `None` without `=`.
    pub value: Option<String>,
    pub value_span: Option<Span>,
    /// The whole line including its `\n`.
    pub line: Span,
    /// The line's text (no newline).
    pub text: Span,
    /// `name =` with nothing after it: cPanel does not copy the line, it removes the option.
    pub removes: bool,
}

impl Lossless for LocalConf {
    fn pieces(&self) -> Vec<Span> {
        self.lines.iter().map(|l| l.span).collect()
    }
}

/// The section name of a marker line (`@NAME@…` or `%NAME%…`), if it is one.
fn marker(text: &str) -> Option<&str> {
    let first = text.chars().next()?;
    if first != '@' && first != '%' {
        return None;
    }
    let rest = &text[1..];
    let end = rest.find(first)?;
    (end > 0).then(|| &rest[..end])
}

/// Parses the file.
pub fn parse(src: &SourceFile) -> LocalConf {
    let text = src.text();
    let mut conf = LocalConf::default();
    let mut current: Option<usize> = None;
    for span in crate::parse::line_spans(text) {
        let mut end = span.end as usize;
        if text.as_bytes().get(end.wrapping_sub(1)) == Some(&b'\n') {
            end -= 1;
        }
        if end > span.start as usize && text.as_bytes()[end - 1] == b'\r' {
            end -= 1;
        }
        let line_text = Span::new(span.start as usize, end);
        let idx = conf.lines.len();
        let is_marker = match marker(&text[line_text.range()]) {
            Some(name) => {
                conf.sections.push(LocalSection {
                    name: name.to_string(),
                    marker: line_text,
                    lines: Vec::new(),
                });
                current = Some(conf.sections.len() - 1);
                true
            }
            None => {
                if let Some(c) = current {
                    conf.sections[c].lines.push(idx);
                }
                false
            }
        };
        conf.lines.push(LocalLine {
            span,
            text: line_text,
            section: current,
            marker: is_marker,
        });
    }
    conf
}

impl LocalConf {
    /// The sections of a name, in file order.
    pub fn sections_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a LocalSection> {
        self.sections.iter().filter(move |s| s.name == name)
    }

    /// The lines of every section of a name, in file order.
    pub fn section_lines<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a LocalLine> {
        self.sections_named(name)
            .flat_map(move |s| s.lines.iter().map(move |&i| &self.lines[i]))
    }

    /// The non-blank lines of the `CONFIG` sections read as options, in file order.
    pub fn config_options(&self, src: &SourceFile) -> Vec<LocalOption> {
        let text = src.text();
        let mut out = Vec::new();
        for line in self.section_lines("CONFIG") {
            let t = &text[line.text.range()];
            if t.trim().is_empty() {
                continue;
            }
            let base = line.text.start as usize;
            let (name_part, value) = match t.find('=') {
                Some(eq) => (&t[..eq], Some((eq + 1, &t[eq + 1..]))),
                None => (t, None),
            };
            let lead = name_part.len() - name_part.trim_start().len();
            let name = name_part.trim();
            let name_span = Span::new(base + lead, base + lead + name.len());
            let (value, value_span, removes) = match value {
                Some((at, v)) => {
                    let vlead = v.len() - v.trim_start().len();
                    let vt = v.trim();
                    let s = base + at + vlead;
                    // cPanel's test is on the line as read (`=[\t\s]*$`), so any line whose last
                    // non-blank character is `=` removes its option.
                    (
                        Some(vt.to_string()),
                        Some(Span::new(s, s + vt.len())),
                        t.trim_end().ends_with('='),
                    )
                }
                None => (None, None, false),
            };
            out.push(LocalOption {
                name: name.to_string(),
                name_span,
                value,
                value_span,
                line: line.span,
                text: line.text,
                removes,
            });
        }
        out
    }

    /// The lines of the driver `name` in a section: from its `name:` line (excluded) to the next
    /// driver or the end of the section, as text.
    pub fn driver_body<'a>(&self, src: &'a SourceFile, section: &str, name: &str) -> Vec<&'a str> {
        let text = src.text();
        let mut out = Vec::new();
        let mut inside = false;
        for line in self.section_lines(section) {
            let t = &text[line.text.range()];
            let body = t.trim();
            if let Some(n) = body.strip_suffix(':')
                && !n.is_empty()
                && n.trim_end()
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                inside = n.trim_end() == name;
                continue;
            }
            if inside {
                out.push(t);
            }
        }
        out
    }

    /// The names of the drivers (`name:` lines) a section defines, with the span of each name.
    pub fn driver_names(&self, src: &SourceFile, section: &str) -> Vec<(String, Span)> {
        let text = src.text();
        let mut out = Vec::new();
        for line in self.section_lines(section) {
            let t = &text[line.text.range()];
            let lead = t.len() - t.trim_start().len();
            let body = t.trim();
            let Some(name) = body.strip_suffix(':') else {
                continue;
            };
            let name = name.trim_end();
            let valid = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if valid {
                let s = line.text.start as usize + lead;
                out.push((name.to_string(), Span::new(s, s + name.len())));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::check_tiling;

    #[test]
    fn sections_and_config_options_are_read_as_cpanel_reads_them() {
        let text = "ignored before any marker\n@AUTH@\n\n@CONFIG@ trailing\nchunking_advertise_hosts=\"\"\n  smtp_accept_max = 50\r\ntls_require_ciphers =\n# comment = x\n%PREROUTERS%\nr1:\n  driver = redirect\n";
        let src = SourceFile::from_str("etc/exim.conf.local", text);
        let conf = parse(&src);
        check_tiling(&conf, &src).unwrap();
        let names: Vec<&str> = conf.sections.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["AUTH", "CONFIG", "PREROUTERS"]);
        let opts = conf.config_options(&src);
        let got: Vec<(&str, Option<&str>, bool)> = opts
            .iter()
            .map(|o| (o.name.as_str(), o.value.as_deref(), o.removes))
            .collect();
        assert_eq!(
            got,
            [
                ("chunking_advertise_hosts", Some("\"\""), false),
                ("smtp_accept_max", Some("50"), false),
                ("tls_require_ciphers", Some(""), true),
                ("# comment", Some("x"), false),
            ]
        );
        assert_eq!(src.slice(opts[1].name_span), "smtp_accept_max");
        assert_eq!(src.slice(opts[1].value_span.unwrap()), "50");
        assert_eq!(
            conf.driver_names(&src, "PREROUTERS"),
            [(
                "r1".to_string(),
                Span::new(text.find("r1:").unwrap(), text.find("r1:").unwrap() + 2)
            )]
        );
        assert_eq!(conf.lines[0].section, None);
    }

    #[test]
    fn a_marker_needs_its_closing_character_and_a_name() {
        assert_eq!(marker("@CONFIG@"), Some("CONFIG"));
        assert_eq!(marker("%ACLBLOCK%x"), Some("ACLBLOCK"));
        assert_eq!(marker("@@"), None);
        assert_eq!(marker("@CONFIG"), None);
        assert_eq!(marker(" @CONFIG@"), None);
    }
}
