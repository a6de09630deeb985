//! Forwarder files: `etc/valiases/DOMAIN` (forwarders and the default address) and
//! `etc/vdomainaliases/DOMAIN` (domain forwarding), cpmove `va/` and `vad/`.
//!
//! A line is `key: dest[,dest…]`. The key runs to the first `:`: a full address
//! (`info@example.com`, what cPanel writes), a bare local part, or `*` (the default address,
//! "catch-all"); in a vdomainaliases file, the domain itself. Exim looks keys up with `lsearch`,
//! without regard to case, so the typed key is lower-cased (its span keeps the text as written).
//!
//! Destinations follow Exim's redirect-list reading: items are separated by commas, white space
//! around them does not count, empty items are skipped; an item runs to the next comma outside
//! double quotes, and an item wholly in quotes is unquoted (`\` escapes a character inside), so
//! `"|/usr/local/cpanel/bin/autorespond a@example.com /home/bob/.autorespond"` is one pipe. An
//! item starting with `:fail:`, `:defer:` or `:blackhole:` ends the list: Exim takes the rest of
//! the line, commas included, as the message (ignored for `:blackhole:`, whose
//! [`DestKind::Blackhole`] carries nothing; the text stays inside the destination's span).
//!
//! Typed destinations ([`DestKind`]): `|command` is a pipe, `/path` a file, `:include:/path` an
//! include, text with `@` an address (domain lower-cased, local part as written), a name
//! without `@` a local user (`\name` too, without the backslash) or, in a vdomainaliases file,
//! the target domain; anything else (`:unknown:`, text with spaces) is [`DestKind::Other`].
//! Where Exim would first try to read `|…` or `/…` as an address with a domain, this parser does
//! not: cPanel never writes such local parts.
//!
//! A line whose first non-blank character is `#` is a comment; blank lines are skipped. Errors
//! are a key with white space, quotes or control characters, a missing `:`, and an unclosed
//! quote. Grammar: `grammar/valiases.pest`.

use crate::parse::SyntaxError;
use crate::parse::lines::{self, Line, LineDoc, LineKind, RawLine};
use crate::source::{SourceFile, Span};
use pest::Parser;

/// Which of the two files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Flavor {
    /// `etc/valiases/DOMAIN`: a bare name is a local user.
    Valiases,
    /// `etc/vdomainaliases/DOMAIN`: a bare name is the target domain.
    VdomainAliases,
}

/// A parsed forwarder file.
pub type Aliases = LineDoc<AliasEntry>;
/// A line of a forwarder file.
pub type AliasLine = Line<AliasEntry>;
/// A line: blank (empty or white space only), a comment (first non-blank character `#`), an
/// entry, or invalid.
pub type AliasLineKind = LineKind<AliasEntry>;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AliasEntry {
    /// The key as written.
    pub key_span: Span,
    /// The key lower-cased (ASCII).
    pub key: String,
    /// The `:` after the key.
    pub colon_span: Span,
    /// Destinations in the order written (empty when nothing follows the `:`).
    pub destinations: Vec<Destination>,
    /// White space before the key: Exim reads such a line as a continuation of the previous
    /// one.
    pub indented: bool,
    /// A `\r` before the `\n`.
    pub has_cr: bool,
}

impl AliasEntry {
    /// Whether this is the default address (`*:`), the catch-all.
    pub fn is_catch_all(&self) -> bool {
        self.key == "*"
    }

    /// The domain part of a `local@domain` key (lower-cased).
    pub fn key_domain(&self) -> Option<&str> {
        self.key.rsplit_once('@').map(|(_, d)| d)
    }

    /// The local part of the key: before the `@`, or the whole key when it has none (`None` for
    /// the catch-all).
    pub fn key_local_part(&self) -> Option<&str> {
        if self.is_catch_all() {
            return None;
        }
        Some(
            self.key
                .rsplit_once('@')
                .map_or(self.key.as_str(), |(l, _)| l),
        )
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Destination {
    /// The item as written, without the white space around it (quotes included; for
    /// `:fail:`/`:defer:`/`:blackhole:`, the rest of the line).
    pub span: Span,
    /// Whether the item was wholly in double quotes.
    pub quoted: bool,
    pub kind: DestKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DestKind {
    /// `local@domain`; the domain lower-cased.
    Address { local: String, domain: String },
    /// A name without `@` (valiases): a local user, such as the cPanel account.
    LocalUser(String),
    /// A name without `@` in a vdomainaliases file: the target domain (lower-cased).
    Domain(String),
    /// `|command`: the command without the `|`.
    Pipe(String),
    /// `/path`: delivery to a file.
    File(String),
    /// `:fail: message`.
    Fail(String),
    /// `:defer: message`.
    Defer(String),
    /// `:blackhole:`: mail is discarded.
    Blackhole,
    /// `:include:/path`.
    Include(String),
    /// Anything else, as written (unquoted).
    Other(String),
}

impl Aliases {
    /// The first entry whose key is `key` without regard to ASCII case (what Exim finds).
    pub fn get(&self, key: &str) -> Option<&AliasEntry> {
        self.entries().find(|e| e.key.eq_ignore_ascii_case(key))
    }

    /// The default address line `*:`, if any.
    pub fn catch_all(&self) -> Option<&AliasEntry> {
        self.get("*")
    }
}

#[derive(pest_derive::Parser)]
#[grammar = "grammar/valiases.pest"]
struct LineParser;

const HELP: &str = "each line is `alias: destination[,destination…]`, such as \
                    `info@example.com: bob@example.net`";

/// Parses a forwarder file. Never fails; see [`LineKind::Invalid`].
pub fn parse(src: &SourceFile, flavor: Flavor) -> Aliases {
    LineDoc::read(src, |l| parse_line(src, l, flavor))
}

fn parse_line(src: &SourceFile, line: &RawLine, flavor: Flavor) -> AliasLineKind {
    let pairs = match LineParser::parse(Rule::line, line.text(src.text())) {
        Ok(pairs) => pairs,
        // Only a line without `:` fails; a bad character in it is the better report.
        Err(_) => {
            let whole = Span::new(line.start(), line.end());
            let err = match check_key(src, line, whole) {
                Err(e) => e,
                Ok(_) => {
                    let (span, found) = lines::found_at(src, line.end(), line.end());
                    SyntaxError::new(
                        span,
                        format!("expected `:` after the alias name, found {found}"),
                    )
                }
            };
            return LineKind::Invalid(err.with_help(HELP));
        }
    };
    let Some(inner) = pairs.into_iter().next().and_then(|p| p.into_inner().next()) else {
        return LineKind::Blank;
    };
    match inner.as_rule() {
        Rule::comment => LineKind::Comment,
        Rule::entry => {
            let off = line.start();
            let mut parts = inner.into_inner();
            // The key comes first: its problems are reported before those of the destinations.
            let raw_key = parts
                .next()
                .map_or(Span::at(off), |k| Span::from_pest(k.as_span()).offset(off));
            let key_span = match check_key(src, line, raw_key) {
                Ok(key_span) => key_span,
                Err(e) => return LineKind::Invalid(e.with_help(HELP)),
            };
            let mut entry = AliasEntry {
                key_span,
                key: src.slice(key_span).to_ascii_lowercase(),
                colon_span: Span::default(),
                destinations: Vec::new(),
                indented: key_span.start > raw_key.start,
                has_cr: line.has_cr(),
            };
            for p in parts {
                let span = Span::from_pest(p.as_span()).offset(off);
                match p.as_rule() {
                    Rule::colon => entry.colon_span = span,
                    Rule::fail | Rule::defer | Rule::blackhole => {
                        let rule = p.as_rule();
                        let message = p
                            .into_inner()
                            .next()
                            .map_or("", |t| t.as_str())
                            .trim_matches([' ', '\t'])
                            .to_string();
                        let kind = match rule {
                            Rule::fail => DestKind::Fail(message),
                            Rule::defer => DestKind::Defer(message),
                            _ => DestKind::Blackhole,
                        };
                        entry.destinations.push(Destination {
                            span: lines::trim_ws(src.text(), span),
                            quoted: false,
                            kind,
                        });
                    }
                    Rule::unclosed => {
                        let (_, found) = lines::found_at(src, line.end(), line.end());
                        return LineKind::Invalid(
                            SyntaxError::new(
                                Span::new(span.start as usize, span.start as usize + 1),
                                format!("expected a closing `\"` for this quote, found {found}"),
                            )
                            .with_help(
                                "a quoted destination ends with `\"` before the next comma, \
                                 such as `\"|/path/to/program arguments\"`",
                            ),
                        );
                    }
                    Rule::item => {
                        let span = lines::trim_ws(src.text(), span);
                        entry
                            .destinations
                            .push(destination(src.slice(span), span, flavor));
                    }
                    _ => {}
                }
            }
            LineKind::Entry(entry)
        }
        _ => LineKind::Blank,
    }
}

/// The key without surrounding white space; it must not be empty nor hold white space, quotes
/// or control characters (Exim's `lsearch` would end the key there).
fn check_key(src: &SourceFile, line: &RawLine, raw: Span) -> Result<Span, SyntaxError> {
    lines::check_key(src.text(), raw, false, &['"']).map_err(|bad| {
        let (span, found) = lines::found_at(src, bad.at, line.end());
        let message = if bad.at_start {
            format!("expected an alias name before `:`, found {found}")
        } else {
            format!("expected `:` after the alias name, found {found}")
        };
        SyntaxError::new(span, message)
    })
}

fn destination(text: &str, span: Span, flavor: Flavor) -> Destination {
    let quoted = text.len() >= 2 && text.starts_with('"') && text.ends_with('"');
    let kind = if quoted {
        classify(
            unescape(&text[1..text.len() - 1]).trim_matches([' ', '\t']),
            flavor,
        )
    } else {
        classify(text, flavor)
    };
    Destination { span, quoted, kind }
}

/// Removes the `\` of each escaped character inside quotes.
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(next) = chars.next() {
                out.push(next);
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn classify(t: &str, flavor: Flavor) -> DestKind {
    if let Some(cmd) = t.strip_prefix('|') {
        return DestKind::Pipe(cmd.to_string());
    }
    if t.starts_with('/') {
        return DestKind::File(t.to_string());
    }
    if let Some(path) = t.strip_prefix(":include:") {
        return DestKind::Include(path.trim_matches([' ', '\t']).to_string());
    }
    let has_space = t.contains([' ', '\t', '"']);
    if t.starts_with(':') || has_space || t.is_empty() {
        return DestKind::Other(t.to_string());
    }
    if let Some((local, domain)) = t.rsplit_once('@') {
        if local.is_empty() || domain.is_empty() {
            return DestKind::Other(t.to_string());
        }
        return DestKind::Address {
            local: local.to_string(),
            domain: domain.to_ascii_lowercase(),
        };
    }
    let name = t.strip_prefix('\\').unwrap_or(t);
    match flavor {
        Flavor::Valiases => DestKind::LocalUser(name.to_string()),
        Flavor::VdomainAliases => DestKind::Domain(name.to_ascii_lowercase()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{check_tiling, render};

    fn doc(text: &str, flavor: Flavor) -> (SourceFile, Aliases) {
        let src = SourceFile::from_str("etc/valiases/example.com", text);
        let d = parse(&src, flavor);
        check_tiling(&d, &src).unwrap();
        assert_eq!(render(&d, &src), text.as_bytes());
        (src, d)
    }

    fn kinds(e: &AliasEntry) -> Vec<DestKind> {
        e.destinations.iter().map(|d| d.kind.clone()).collect()
    }

    fn addr(local: &str, domain: &str) -> DestKind {
        DestKind::Address {
            local: local.into(),
            domain: domain.into(),
        }
    }

    #[test]
    fn cpanel_forwarder_with_quoted_pipe_and_default() {
        let text = "info@example.com: \"|/usr/local/cpanel/bin/autorespond info@example.com /home/bob/.autorespond\",bob@Example.NET\n*: bob\n";
        let (src, d) = doc(text, Flavor::Valiases);
        let e = d.get("INFO@example.com").unwrap();
        assert_eq!(e.key_domain(), Some("example.com"));
        assert_eq!(e.key_local_part(), Some("info"));
        assert_eq!(
            kinds(e),
            [
                DestKind::Pipe(
                    "/usr/local/cpanel/bin/autorespond info@example.com /home/bob/.autorespond"
                        .into()
                ),
                addr("bob", "example.net"),
            ]
        );
        assert!(e.destinations[0].quoted);
        assert!(src.slice(e.destinations[0].span).starts_with("\"|/usr"));
        assert!(src.slice(e.destinations[0].span).ends_with("autorespond\""));
        assert_eq!(src.slice(e.destinations[1].span), "bob@Example.NET");
        let all = d.catch_all().unwrap();
        assert!(all.is_catch_all());
        assert_eq!(all.key_local_part(), None);
        assert_eq!(kinds(all), [DestKind::LocalUser("bob".into())]);
    }

    #[test]
    fn fail_and_defer_take_the_rest_of_the_line() {
        let (src, d) = doc(
            "*: :fail: No Such User Here, really\nold@example.com: a@example.net, :defer: try later \r\n",
            Flavor::Valiases,
        );
        let e: Vec<_> = d.entries().collect();
        assert_eq!(
            kinds(e[0]),
            [DestKind::Fail("No Such User Here, really".into())]
        );
        assert_eq!(
            src.slice(e[0].destinations[0].span),
            ":fail: No Such User Here, really"
        );
        assert_eq!(
            kinds(e[1]),
            [
                addr("a", "example.net"),
                DestKind::Defer("try later".into())
            ]
        );
        assert!(e[1].has_cr);
        assert_eq!(src.slice(e[1].destinations[1].span), ":defer: try later");
    }

    #[test]
    fn blackhole_takes_nothing() {
        let (src, d) = doc(
            "*: :blackhole:\nx@example.com: :blackhole: ignored, text\n",
            Flavor::Valiases,
        );
        let e: Vec<_> = d.entries().collect();
        assert_eq!(kinds(e[0]), [DestKind::Blackhole]);
        assert_eq!(src.slice(e[0].destinations[0].span), ":blackhole:");
        assert_eq!(kinds(e[1]), [DestKind::Blackhole]);
    }

    #[test]
    fn every_destination_kind() {
        let (_, d) = doc(
            "a@example.com: |/usr/bin/prog, /home/bob/mbox , :include:/etc/list,\\bob,,bob ,:unknown:, weird text, @example.net\n",
            Flavor::Valiases,
        );
        let e = d.entries().next().unwrap();
        assert_eq!(
            kinds(e),
            [
                DestKind::Pipe("/usr/bin/prog".into()),
                DestKind::File("/home/bob/mbox".into()),
                DestKind::Include("/etc/list".into()),
                DestKind::LocalUser("bob".into()),
                DestKind::LocalUser("bob".into()),
                DestKind::Other(":unknown:".into()),
                DestKind::Other("weird text".into()),
                DestKind::Other("@example.net".into()),
            ]
        );
    }

    #[test]
    fn quoted_items_are_unescaped_and_may_hold_commas() {
        let (src, d) = doc(
            "a@example.com: \" |/bin/prog \\\"x,y\\\" \" , \"bob@example.net\"\n",
            Flavor::Valiases,
        );
        let e = d.entries().next().unwrap();
        assert_eq!(
            kinds(e),
            [
                DestKind::Pipe("/bin/prog \"x,y\"".into()),
                addr("bob", "example.net")
            ]
        );
        assert_eq!(src.slice(e.destinations[1].span), "\"bob@example.net\"");
    }

    #[test]
    fn empty_destination_list() {
        let (_, d) = doc("a@example.com:\nb@example.com:   \n", Flavor::Valiases);
        assert!(d.entries().all(|e| e.destinations.is_empty()));
        assert_eq!(d.errors().count(), 0);
    }

    #[test]
    fn vdomainaliases_target_is_a_domain() {
        let (_, d) = doc("alias.example: Example.COM\n", Flavor::VdomainAliases);
        let e = d.get("alias.example").unwrap();
        assert_eq!(e.key_domain(), None);
        assert_eq!(kinds(e), [DestKind::Domain("example.com".into())]);
    }

    #[test]
    fn comments_blank_and_indentation() {
        let (_, d) = doc(
            "# note\n\n  a@example.com: b@example.net\n",
            Flavor::Valiases,
        );
        assert!(matches!(d.lines[0].kind, LineKind::Comment));
        assert!(matches!(d.lines[1].kind, LineKind::Blank));
        assert!(d.entries().next().unwrap().indented);
    }

    #[test]
    fn unclosed_quote_points_at_the_quote() {
        let (src, d) = doc(
            "ok@example.com: bob\na@example.com: b@example.net, \"|/bin/prog x\n",
            Flavor::Valiases,
        );
        let errs: Vec<_> = d.errors().collect();
        assert_eq!(errs.len(), 1);
        assert_eq!(
            errs[0].message,
            "expected a closing `\"` for this quote, found end of line"
        );
        assert_eq!(src.slice(errs[0].span), "\"");
        let lc = src.line_col(errs[0].span.start as usize);
        assert_eq!((lc.line, lc.column), (2, 31));
    }

    #[test]
    fn control_characters_in_the_key() {
        let (_, d) = doc(
            "in\u{7}fo@example.com: bob\n\u{0}: bob\nbob@example.com\n",
            Flavor::Valiases,
        );
        let errs: Vec<_> = d.errors().collect();
        assert_eq!(
            errs[0].message,
            "expected `:` after the alias name, found a control character (U+0007)"
        );
        assert_eq!(errs[0].span, Span::new(2, 3));
        assert_eq!(
            errs[1].message,
            "expected an alias name before `:`, found a control character (U+0000)"
        );
        assert_eq!(
            errs[2].message,
            "expected `:` after the alias name, found end of line"
        );
        assert_eq!(errs[2].span, Span::at(45));
    }

    #[test]
    fn the_first_problem_of_a_line_is_reported() {
        let (_, d) = doc("bad key: \"|/bin/prog\n", Flavor::Valiases);
        assert_eq!(
            d.errors().next().unwrap().message,
            "expected `:` after the alias name, found `k`"
        );
    }

    #[test]
    fn key_errors() {
        let (src, d) = doc("bob@example.com bob\n: bob\nbad key: x\n", Flavor::Valiases);
        let errs: Vec<_> = d.errors().collect();
        assert_eq!(errs.len(), 3);
        assert_eq!(
            errs[0].message,
            "expected `:` after the alias name, found `b`"
        );
        assert_eq!(errs[0].span, Span::new(16, 17));
        assert_eq!(
            errs[1].message,
            "expected an alias name before `:`, found `:`"
        );
        assert_eq!(src.line_col(errs[1].span.start as usize).line, 2);
        assert_eq!(
            errs[2].message,
            "expected `:` after the alias name, found `k`"
        );
        assert_eq!(errs[2].help.as_deref(), Some(HELP));
    }
}
