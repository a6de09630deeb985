//! The main section: macro definitions, named lists and option settings (also used by
//! drivers and `local_scan`).

use super::*;

impl Loader<'_> {
    // ---- main section

    pub(super) fn section_main(&mut self) -> Got {
        let mut end = None;
        let mut set: HashMap<String, Loc> = HashMap::new();
        let mut lists: HashMap<(ListKind, String), Loc> = HashMap::new();
        while let Some(i) = self.section_line(SectionKind::Main, &mut end) {
            let line = &self.cfg.lines[i];
            let text = line.as_str();
            let b = text.as_bytes();
            if line.last.1 == 0 && text.starts_with('\u{FEFF}') {
                self.line_error(
                    i,
                    0..3,
                    "unexpected byte order mark (BOM) at the start of the file",
                    Some(
                        "Exim rejects a UTF-8 BOM on line 1: save the file as UTF-8 without BOM"
                            .to_string(),
                    ),
                );
                continue;
            }
            if b[0].is_ascii_uppercase() {
                self.macro_definition(i);
                continue;
            }
            if let Some(list) = self.named_list(i, &mut lists) {
                self.cfg.named_lists.extend(list);
                continue;
            }
            if let Some(opt) = self.option(i, OptContext::Main, &mut set) {
                self.cfg.options.push(opt);
            }
        }
        end.unwrap_or(Got::Eof)
    }

    pub(super) fn macro_definition(&mut self, i: usize) {
        let text = self.cfg.lines[i].as_str().to_string();
        // Exim stops at the 64th character of a name, before looking at what follows.
        let e = name_end(&text, 0);
        if e > 63 {
            self.line_error(
                i,
                0..e,
                format!("macro name too long: {e} characters, the maximum is 63"),
                Some("use a shorter name".to_string()),
            );
            return;
        }
        let Ok(mut pairs) = EximParser::parse(Rule::macro_head, &text) else {
            return;
        };
        let head = pairs.next().expect("macro_head");
        let mut name = 0..0;
        let mut op: Option<(usize, usize, bool)> = None;
        for p in head.into_inner() {
            let s = p.as_span();
            match p.as_rule() {
                Rule::macro_name => name = s.start()..s.end(),
                Rule::macro_op => {
                    op = Some((s.start(), s.end(), p.as_str().starts_with("==")));
                }
                _ => {}
            }
        }
        let name_str = &text[name.clone()];
        let Some((_, value_start, redef)) = op else {
            let e = name.end;
            let t = &text[skip_space(&text, e)..];
            let found = t
                .chars()
                .next()
                .map_or("end of line".into(), |c| format!("`{c}`"));
            self.line_error(
                i,
                name.clone(),
                format!(
                    "expected `=` after macro name `{name_str}`, found {found}: a line starting \
                     with an upper-case letter defines a macro"
                ),
                Some(
                    "option names are lower case; a macro is defined with `NAME = value`"
                        .to_string(),
                ),
            );
            return;
        };
        let name_string = name_str.to_string();
        let mut existing = None;
        for (k, m) in self.macros.iter().enumerate() {
            if m.name == name_string {
                existing = Some(k);
                break;
            }
            if m.name.len() < name_string.len() && name_string.contains(&m.name) {
                let other = m.name.clone();
                self.line_error(
                    i,
                    name.clone(),
                    format!(
                        "macro `{name_string}` cannot be defined: the earlier macro `{other}` is \
                         part of its name"
                    ),
                    Some(format!(
                        "Exim would replace `{other}` inside every use of `{name_string}`; choose \
                         a name that does not contain `{other}`"
                    )),
                );
                return;
            }
        }
        let value = text[value_start..].to_string();
        match existing {
            Some(k) if self.macros[k].command_line => return,
            Some(_) if !redef => {
                self.line_error(
                    i,
                    name.clone(),
                    format!("macro `{name_string}` is already defined"),
                    Some(format!(
                        "use `{name_string} == value` to give it a new value"
                    )),
                );
                return;
            }
            Some(k) => self.macros[k].value = value.clone(),
            None if redef => {
                self.line_error(
                    i,
                    name.clone(),
                    format!("`==` redefines a macro, but `{name_string}` is not defined yet"),
                    Some(format!(
                        "use `{name_string} = value` for a first definition"
                    )),
                );
                return;
            }
            None => self.macros.push(Macro {
                name: name_string.clone(),
                value: value.clone(),
                command_line: false,
            }),
        }
        let line = &self.cfg.lines[i];
        let def = MacroDef {
            name: name_string,
            value,
            name_loc: line.loc(name),
            value_loc: line.loc(value_start..text.len()),
            loc: line.loc(0..text.len()),
            redefinition: redef,
        };
        self.cfg.macros.push(def);
    }

    pub(super) fn named_list(
        &mut self,
        i: usize,
        seen: &mut HashMap<(ListKind, String), Loc>,
    ) -> Option<Option<NamedList>> {
        let text = self.cfg.lines[i].as_str().to_string();
        let candidate = [
            "hide",
            "domainlist",
            "hostlist",
            "addresslist",
            "localpartlist",
        ]
        .iter()
        .any(|k| text.starts_with(k));
        if !candidate {
            return None;
        }
        let head = EximParser::parse(Rule::list_head, &text).ok()?.next()?;
        let mut hide = false;
        let mut kind = ListKind::Domain;
        let mut kw = 0..0;
        let mut cache = false;
        for p in head.clone().into_inner() {
            match p.as_rule() {
                Rule::hide_kw => hide = true,
                Rule::list_kind => {
                    kw = p.as_span().start()..p.as_span().end();
                    kind = match p.as_str() {
                        "domainlist" => ListKind::Domain,
                        "hostlist" => ListKind::Host,
                        "addresslist" => ListKind::Address,
                        _ => ListKind::LocalPart,
                    };
                }
                Rule::list_cache => cache = true,
                _ => {}
            }
        }
        let after = head.as_span().end();
        let line_loc = self.cfg.lines[i].loc(0..text.len());
        let Ok(mut rest) = EximParser::parse(Rule::list_rest, &text[after..]) else {
            self.line_error(
                i,
                kw.start..text.len(),
                format!(
                    "expected white space and a list name after `{}`",
                    &text[kw.start..after]
                ),
                Some(format!("write `{} name = value`", kind.keyword())),
            );
            return Some(None);
        };
        let rest = rest.next().expect("list_rest");
        let mut name = 0..0;
        let mut eq = None;
        for p in rest.clone().into_inner() {
            let s = p.as_span();
            match p.as_rule() {
                Rule::list_name => name = after + s.start()..after + s.end(),
                Rule::opt_eq => eq = Some(after + s.end()),
                _ => {}
            }
        }
        let name_str = text[name.clone()].to_string();
        let Some(value_start) = eq else {
            let at = after + rest.as_span().end();
            let found = text[at..]
                .chars()
                .next()
                .map_or("end of line".into(), |c| format!("`{c}`"));
            self.line_error(
                i,
                at..text.len(),
                format!(
                    "expected `=` after the name of {} `{name_str}`, found {found}",
                    kind.keyword()
                ),
                Some("list names may contain only letters, digits and underscores".to_string()),
            );
            return Some(None);
        };
        if let Some(first) = seen.get(&(kind, name_str.clone())) {
            let at = self.place(*first, i);
            self.line_error(
                i,
                name.clone(),
                format!(
                    "{} `{name_str}` is defined a second time (first at {})",
                    kind.keyword(),
                    at
                ),
                Some("each named list may be defined only once".to_string()),
            );
            return Some(None);
        }
        let raw = &text[value_start..];
        let (value, _quoted, problem) = read_string(raw);
        if let Some(p) = problem {
            self.string_problem(i, value_start, &p, &name_str);
            return Some(None);
        }
        let line = &self.cfg.lines[i];
        let name_loc = line.loc(name);
        seen.insert((kind, name_str.clone()), name_loc);
        Some(Some(NamedList {
            kind,
            name: name_str,
            name_loc,
            hide,
            cache,
            value,
            raw_value: raw.to_string(),
            value_loc: line.loc(value_start..text.len()),
            loc: line_loc,
        }))
    }

    /// Reports a quoted value that Exim's `read_string` rejects.
    pub(super) fn string_problem(
        &mut self,
        i: usize,
        value_start: usize,
        p: &StringProblem,
        what: &str,
    ) {
        let line = &self.cfg.lines[i];
        let len = line.text.len();
        match p {
            StringProblem::MissingQuote => {
                let opened = line.loc(value_start..value_start + 1);
                let (_, lc) = self.cfg.position(opened);
                self.line_error(
                    i,
                    len..len,
                    format!("missing closing quote at the end of the value of `{what}`"),
                    Some(format!(
                        "the value starts with a double quote (line {}, column {}), so it must \
                         end with one; inside it write `\\\"` for a literal quote",
                        lc.line, lc.column
                    )),
                );
            }
            StringProblem::ExtraCharacters(at) => {
                let close_at = value_start + at;
                let abs = skip_space(line.text.as_str(), close_at);
                // Exim reports the line where the logical line ends: point at the part of the
                // extra text on that line.
                let (lf, ll) = line.last;
                let last_start = self.cfg.files[lf].parsed.lines[ll].body.start;
                let from = line.text.first_from(abs, lf, last_start).unwrap_or(abs);
                let close = line.loc(close_at - 1..close_at);
                let (_, lc) = self.cfg.position(close);
                let extra: String = line.text.as_str()[abs..].chars().take(40).collect();
                let comment = if extra.starts_with('#') {
                    " (`#` starts a comment only at the beginning of a line)"
                } else {
                    ""
                };
                let next_tail = self.next_line_is_tail(i);
                let mut help = format!(
                    "the quoted value of `{what}` ends at line {}, column {}, and is followed by \
                     `{extra}`{comment}; write `\\\"` for a quote inside the value, or do not \
                     quote it",
                    lc.line, lc.column
                );
                if next_tail {
                    help.push_str(
                        "; the next line does not start a new setting either: a `\\` may be \
                         missing at the end of this line",
                    );
                }
                self.line_error(
                    i,
                    from..len,
                    format!("extra characters after the quoted value of `{what}`"),
                    Some(help),
                );
            }
        }
    }

    /// Whether the physical line after the end of logical line `i` starts with something that
    /// cannot begin a statement (a `}` of a broken multi-line value).
    pub(super) fn next_line_is_tail(&self, i: usize) -> bool {
        let (f, l) = self.cfg.lines[i].last;
        let file = &self.cfg.files[f];
        let Some(next) = file.parsed.lines.get(l + 1) else {
            return false;
        };
        let t = file.source.slice(next.body);
        let t = &t[skip_space(t, 0)..];
        !t.is_empty()
            && !t.starts_with('#')
            && !t.starts_with('.')
            && !t.as_bytes()[0].is_ascii_alphabetic()
    }

    // ---- options

    /// The head of an option setting, as the grammar's `option_head` reads it. Used by tests to
    /// check [`option_head`], the byte-level reader used on every option line.
    #[cfg(test)]
    pub(super) fn option_head_grammar(text: &str) -> Option<OptHead> {
        let head = EximParser::parse(Rule::option_head, text).ok()?.next()?;
        let mut hide = false;
        let mut written = 0..0;
        let mut rest = head.as_span().end();
        for p in head.into_inner() {
            let s = p.as_span();
            match p.as_rule() {
                Rule::hide_kw => hide = true,
                Rule::opt_name => written = s.start()..s.end(),
                Rule::opt_eq => rest = s.start(),
                _ => {}
            }
        }
        Some(OptHead::new(text, hide, written, rest))
    }

    /// [`item_head`] as the grammar reads it (for tests).
    #[cfg(test)]
    pub(super) fn item_head_grammar(text: &str) -> Option<ItemHead> {
        let head = EximParser::parse(Rule::item_head, text).ok()?.next()?;
        let mut bang = false;
        let end = head.as_span().end();
        let mut name = None;
        for p in head.into_inner() {
            match p.as_rule() {
                Rule::bang => bang = true,
                Rule::item_name => name = Some(p.as_span().start()..p.as_span().end()),
                _ => {}
            }
        }
        let name = name.unwrap_or(end..end);
        Some(ItemHead {
            bang,
            name,
            after: end,
        })
    }

    /// Reads an option setting (`readconf_handle_option`): `kind` is the option's type when
    /// known. Reports the first problem Exim would reject and returns `None` then.
    pub(super) fn option_setting(
        &mut self,
        i: usize,
        text: &str,
        head: &OptHead,
        kind: Option<OptionKind>,
    ) -> Option<OptionSetting> {
        let len = text.len();
        let written = &text[head.written.clone()];
        let name = &text[head.name.clone()];
        let rest = &text[head.rest..];
        if written.is_empty() {
            self.line_error(
                i,
                head.rest..len,
                "expected an option name after `hide`".to_string(),
                Some("write `hide name = value`".to_string()),
            );
            return None;
        }
        if !rest.is_empty() && !rest.starts_with('=') {
            let found: String = rest.chars().take(30).collect();
            let (message, help) = match kind {
                Some(OptionKind::Value) => (
                    format!("expected `=` after option `{written}`, found `{found}`"),
                    format!("write `{written} = value`"),
                ),
                Some(_) if !head.negated => (
                    format!("unexpected text `{found}` after boolean option `{written}`"),
                    format!("write `{written}`, `no_{written}` or `{written} = false`"),
                ),
                _ if head.negated => (
                    format!("unexpected text `{found}` after `{written}`"),
                    format!(
                        "a `{}` setting takes no value",
                        &written[..written.len() - name.len()]
                    ),
                ),
                _ => (
                    format!("expected `=` after option name `{written}`, found `{found}`"),
                    "write `name = value`; `#` starts a comment only at the beginning of a line"
                        .to_string(),
                ),
            };
            self.line_error(i, head.rest..len, message, Some(help));
            return None;
        }
        let has_eq = rest.starts_with('=');
        if head.negated {
            if kind == Some(OptionKind::Value) {
                self.line_error(
                    i,
                    head.written.clone(),
                    format!(
                        "`{name}` is not a boolean option, so it cannot be negated with `{}`",
                        &written[..written.len() - name.len()]
                    ),
                    Some(format!("write `{name} = value`")),
                );
                return None;
            }
            if has_eq {
                self.line_error(
                    i,
                    head.rest..len,
                    format!("`{written}` cannot take a value"),
                    Some(format!("write `{written}` alone, or `{name} = false`")),
                );
                return None;
            }
        } else if !has_eq && kind == Some(OptionKind::Value) {
            self.line_error(
                i,
                head.written.clone(),
                format!("option `{name}` needs a value: expected `=` after it"),
                Some(format!(
                    "write `{name} = value` (an empty value is `{name} =`)"
                )),
            );
            return None;
        }
        let line = &self.cfg.lines[i];
        let mut setting = OptionSetting {
            name: name.to_string(),
            name_loc: line.loc(head.name.clone()),
            hide: head.hide,
            negated: head.negated,
            value: None,
            raw_value: None,
            value_loc: None,
            quoted: false,
            loc: line.loc(0..len),
        };
        if !has_eq {
            return Some(setting);
        }
        let vstart = skip_space(text, head.rest + 1);
        let raw = &text[vstart..];
        setting.raw_value = Some(raw.to_string());
        setting.value_loc = Some(line.loc(vstart..len));
        let boolish = match kind {
            Some(OptionKind::Bool) => true,
            Some(OptionKind::ExpandBool) => !raw.contains('$'),
            _ => false,
        };
        if boolish {
            let b = raw.as_bytes();
            let w_end = if b.first().is_some_and(|c| c.is_ascii_alphabetic()) {
                name_end(raw, 0)
            } else {
                0
            };
            let word = &raw[..w_end];
            let after = skip_space(raw, w_end);
            let ok = ["true", "false", "yes", "no"]
                .iter()
                .any(|w| word.eq_ignore_ascii_case(w));
            if !ok {
                self.line_error(
                    i,
                    vstart..len,
                    format!("`{raw}` is not a valid value for boolean option `{name}`"),
                    Some("use `true`, `false`, `yes` or `no`".to_string()),
                );
                return None;
            }
            if after < raw.len() {
                self.line_error(
                    i,
                    vstart + after..len,
                    format!("unexpected text after `{word}` in boolean option `{name}`"),
                    Some(format!("write `{name} = {word}`")),
                );
                return None;
            }
            setting.value = Some(word.to_string());
            return Some(setting);
        }
        let (value, quoted, problem) = read_string(raw);
        if let Some(p) = problem {
            self.string_problem(i, vstart, &p, name);
            return None;
        }
        setting.value = Some(value);
        setting.quoted = quoted;
        Some(setting)
    }

    /// A line where an option setting should be but that does not start with a letter (not
    /// reported when it is the tail of a broken statement).
    pub(super) fn not_an_option(&mut self, i: usize, text: &str) {
        if self.is_tail_of_failed(i) {
            return;
        }
        let found: String = text.chars().take(30).collect();
        self.line_error(
            i,
            0..text.len(),
            format!("expected an option setting, found `{found}`"),
            Some(
                "a setting is `name = value`; a line continues the previous one only if that one \
                 ends with `\\`"
                    .to_string(),
            ),
        );
    }

    /// Reads an option line of the main or local_scan section.
    pub(super) fn option(
        &mut self,
        i: usize,
        ctx: OptContext,
        set: &mut HashMap<String, Loc>,
    ) -> Option<OptionSetting> {
        let text = self.cfg.lines[i].as_str().to_string();
        if !text.as_bytes()[0].is_ascii_alphabetic() {
            self.not_an_option(i, &text);
            return None;
        }
        let head = option_head(&text);
        let name = text[head.name.clone()].to_string();
        if let Some(first) = set.get(&name) {
            let at = self.place(*first, i);
            let written = &text[head.written.clone()];
            self.line_error(
                i,
                head.written.clone(),
                format!("option `{written}` is set a second time (first set at {at})"),
                Some(
                    "Exim accepts each option only once (`x` and `no_x` count as the same \
                     option); remove one of the settings"
                        .to_string(),
                ),
            );
            return None;
        }
        let kind = match ctx {
            OptContext::Main => tables::lookup(tables::MAIN_OPTIONS, &name),
            OptContext::LocalScan => None,
        };
        let s = self.option_setting(i, &text, &head, kind)?;
        set.insert(name, s.name_loc);
        Some(s)
    }
}
