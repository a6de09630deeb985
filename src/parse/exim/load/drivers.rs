//! The driver sections: routers, transports, authenticators.

use super::*;

impl Loader<'_> {
    // ---- drivers

    pub(super) fn section_drivers(&mut self, class: DriverClass) -> Got {
        let section = match class {
            DriverClass::Router => SectionKind::Routers,
            DriverClass::Transport => SectionKind::Transports,
            DriverClass::Authenticator => SectionKind::Authenticators,
        };
        let (generic, repeatable): (&[(&str, OptionKind)], &[&str]) = match class {
            DriverClass::Router => (tables::ROUTER_GENERIC, tables::ROUTER_REPEATABLE),
            DriverClass::Transport => (tables::TRANSPORT_GENERIC, tables::TRANSPORT_REPEATABLE),
            DriverClass::Authenticator => (tables::AUTHENTICATOR_GENERIC, &[]),
        };
        let cls = class.as_str();
        let mut end = None;
        let mut current: Option<Driver> = None;
        let mut set: HashMap<String, Loc> = HashMap::new();
        let mut names: HashMap<String, Loc> = HashMap::new();
        // After a broken driver header (or lines outside any driver), the lines up to the next
        // header are not reported again.
        let mut skipping = false;
        while let Some(i) = self.section_line(section, &mut end) {
            let text = self.cfg.lines[i].as_str().to_string();
            let len = text.len();
            let (name, after) = Self::first_word(&text);
            let after_b = text.as_bytes().get(after).copied();
            // A macro definition ends the current driver.
            if c_upper(text.as_bytes().get(name.start)) && !name.is_empty() && after_b == Some(b'=')
            {
                if let Some(d) = current.take() {
                    self.finish_driver(d);
                }
                skipping = false;
                self.macro_definition(i);
                continue;
            }
            if after_b == Some(b':') && !name.is_empty() {
                skipping = false;
                if let Some(d) = current.take() {
                    self.finish_driver(d);
                }
                set.clear();
                let n = text[name.clone()].to_string();
                let line = &self.cfg.lines[i];
                let name_loc = line.loc(name.clone());
                let loc = line.loc(0..len);
                let tail = skip_space(&text, after + 1);
                if tail < len {
                    let extra: String = text[tail..].chars().take(30).collect();
                    self.line_error(
                        i,
                        tail..len,
                        format!("unexpected text `{extra}` after {cls} name `{n}:`"),
                        Some(format!(
                            "a {cls} starts with a line holding only `name:`; comments go on \
                             their own line"
                        )),
                    );
                } else if let Some(first) = names.get(&n) {
                    let at = self.place(*first, i);
                    self.line_error(
                        i,
                        name.clone(),
                        format!("there is already a {cls} called `{n}` ({at})"),
                        Some(format!("{cls} names must be unique; rename one")),
                    );
                } else {
                    names.insert(n.clone(), name_loc);
                }
                current = Some(Driver {
                    class,
                    name: n,
                    name_loc,
                    loc,
                    driver: None,
                    options: Vec::new(),
                });
                continue;
            }
            if self.is_tail_of_failed(i) {
                continue;
            }
            if text.ends_with(':') && !text.contains('=') {
                let n = &text[..len - 1];
                let bad = bad_name_char(n);
                let message = if n.trim().is_empty() {
                    format!("missing {cls} name before `:`")
                } else {
                    format!("malformed {cls} name `{}`{bad}", n.trim_end())
                };
                self.line_error(
                    i,
                    0..len,
                    message,
                    Some(format!(
                        "a {cls} name starts with a letter and contains only letters, digits \
                         and underscores"
                    )),
                );
                current = None;
                skipping = true;
                continue;
            }
            if skipping {
                continue;
            }
            let Some(d) = current.as_mut() else {
                if self.is_tail_of_failed(i) {
                    continue;
                }
                skipping = true;
                let found: String = text.chars().take(30).collect();
                self.line_error(
                    i,
                    0..len,
                    format!("`{found}` is not inside any {cls}: {cls} name missing"),
                    Some(format!("start each {cls} with a line `name:`")),
                );
                continue;
            };
            let _ = d;
            if !text.as_bytes()[0].is_ascii_alphabetic() {
                self.not_an_option(i, &text);
                continue;
            }
            let head = option_head(&text);
            let oname = text[head.name.clone()].to_string();
            let written = text[head.written.clone()].to_string();
            let generic_kind = tables::lookup(generic, &oname);
            let has_driver = current.as_ref().is_some_and(|d| d.driver.is_some());
            if generic_kind.is_none() && !has_driver {
                let dname = current.as_ref().map(|d| d.name.clone()).unwrap_or_default();
                self.line_error(
                    i,
                    head.written.clone(),
                    format!(
                        "option `{written}` of {cls} `{dname}` comes before `driver =`: it is not \
                         a generic {cls} option, so Exim cannot know it yet"
                    ),
                    Some(format!(
                        "move the `driver = …` line of `{dname}` above its private options"
                    )),
                );
                continue;
            }
            let repeats_ok = generic_kind.is_some() && repeatable.contains(&oname.as_str());
            if !repeats_ok && let Some(first) = set.get(&oname) {
                let at = self.place(*first, i);
                self.line_error(
                    i,
                    head.written.clone(),
                    format!(
                        "option `{written}` is set a second time in this {cls} (first set at {at})"
                    ),
                    Some(
                        "only `condition`, `headers_add`, `headers_remove` and `set` (routers) \
                         and `headers_add`, `headers_remove` (transports) may be repeated; \
                         `x` and `no_x` count as the same option"
                            .to_string(),
                    ),
                );
                continue;
            }
            let Some(s) = self.option_setting(i, &text, &head, generic_kind) else {
                continue;
            };
            set.insert(oname.clone(), s.name_loc);
            let d = current.as_mut().expect("current driver");
            if oname == "driver" && generic_kind.is_some() {
                let v = s.value.clone().unwrap_or_default();
                if v.is_empty() {
                    let loc = s.loc;
                    self.error(
                        loc,
                        format!("empty `driver` for {cls} `{}`", d.name),
                        Some(format!("name the {cls} driver, e.g. `driver = redirect`")),
                    );
                    self.failed_line = Some(i);
                }
                let d = current.as_mut().expect("current driver");
                d.driver = Some(v);
                d.options.push(s);
            } else {
                d.options.push(s);
            }
        }
        if let Some(d) = current.take() {
            self.finish_driver(d);
        }
        end.unwrap_or(Got::Eof)
    }

    pub(super) fn finish_driver(&mut self, d: Driver) {
        if d.class == DriverClass::Router
            && d.driver.as_deref() == Some("redirect")
            && d.option("one_time").and_then(OptionSetting::as_bool) == Some(true)
            && let Some(unseen) = d.option("unseen")
            && unseen.as_bool() != Some(false)
        {
            let loc = unseen.loc;
            self.error(
                loc,
                format!(
                    "`unseen` cannot be used with `one_time` in redirect router `{}`",
                    d.name
                ),
                Some(
                    "a one_time redirection must be the last delivery of the address; remove \
                     `unseen` or `one_time`"
                        .to_string(),
                ),
            );
        }
        if d.driver.is_none() {
            let cls = d.class.as_str();
            self.error(
                d.name_loc,
                format!("{cls} `{}` has no `driver` option", d.name),
                Some(format!("every {cls} needs a line `driver = <type>`")),
            );
        }
        match d.class {
            DriverClass::Router => self.cfg.routers.push(d),
            DriverClass::Transport => self.cfg.transports.push(d),
            DriverClass::Authenticator => self.cfg.authenticators.push(d),
        }
    }

    /// The first name of a line as Exim's `readconf_readname` reads it (a letter, then letters,
    /// digits, underscores), and the index after it and the white space that follows.
    pub(super) fn first_word(text: &str) -> (std::ops::Range<usize>, usize) {
        let s = skip_space(text, 0);
        let b = text.as_bytes();
        if s < b.len() && b[s].is_ascii_alphabetic() {
            let e = name_end(text, s);
            (s..e, skip_space(text, e))
        } else {
            (s..s, s)
        }
    }
}
