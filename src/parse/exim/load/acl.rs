//! The ACL section.

use super::*;

impl Loader<'_> {
    // ---- ACLs

    pub(super) fn section_acl(&mut self) -> Got {
        let mut end = None;
        let mut current: Option<Acl> = None;
        let mut broken = false;
        let mut skip_items = false;
        let mut names: HashMap<String, Loc> = HashMap::new();
        while let Some(i) = self.section_line(SectionKind::Acl, &mut end) {
            let text = self.cfg.lines[i].as_str().to_string();
            let len = text.len();
            let b = text.as_bytes();
            let ItemHead { bang, name, after } = item_head(&text);
            let nm = text[name.clone()].to_string();
            let after_b = b.get(after).copied();
            let is_macro = !bang && c_upper(b.get(name.start)) && after_b == Some(b'=');
            let is_header = after_b == Some(b':');
            if is_macro {
                if let Some(a) = current.take() {
                    self.cfg.acls.push(a);
                }
                broken = false;
                self.macro_definition(i);
                continue;
            }
            if current.is_none() || is_header {
                if let Some(a) = current.take() {
                    self.cfg.acls.push(a);
                }
                if !is_header || nm.is_empty() || bang {
                    if broken {
                        continue;
                    }
                    broken = true;
                    self.acl_name_error(i, &text);
                    continue;
                }
                broken = false;
                let line = &self.cfg.lines[i];
                let name_loc = line.loc(name.clone());
                if let Some(first) = names.get(&nm) {
                    let at = self.place(*first, i);
                    self.line_error(
                        i,
                        name.clone(),
                        format!("there is already an ACL called `{nm}` ({at})"),
                        Some("ACL names must be unique; rename one".to_string()),
                    );
                } else {
                    names.insert(nm.clone(), name_loc);
                }
                let line = &self.cfg.lines[i];
                current = Some(Acl {
                    name: nm,
                    name_loc,
                    loc: line.loc(0..len),
                    statements: Vec::new(),
                });
                continue;
            }
            let acl = current.as_mut().expect("current ACL");
            let verb = AclVerb::parse(&nm);
            if verb.is_some() || is_header {
                skip_items = false;
            }
            let mut cond_start;
            let mut negated = bang;
            match verb {
                Some(v) => {
                    if bang {
                        self.line_error(
                            i,
                            0..len,
                            format!("`!` cannot negate the verb `{nm}`"),
                            Some("only conditions can be negated: `deny ! hosts = …`".to_string()),
                        );
                        continue;
                    }
                    let verb_loc = self.cfg.lines[i].loc(name.clone());
                    acl.statements.push(AclStatement {
                        verb: v,
                        verb_loc,
                        items: Vec::new(),
                    });
                    if after >= len {
                        continue;
                    }
                    cond_start = after;
                    if b[cond_start] == b'!' {
                        negated = true;
                        cond_start += 1;
                    }
                }
                None => {
                    if acl.statements.is_empty() {
                        if text.ends_with(':') && !text.contains('=') {
                            self.acl_name_error(i, &text);
                            continue;
                        }
                        // The conditions of a statement whose verb was not understood.
                        if skip_items {
                            continue;
                        }
                        skip_items = true;
                        let found: String = text.chars().take(30).collect();
                        self.line_error(
                            i,
                            name.start..len,
                            format!(
                                "expected an ACL verb (accept, defer, deny, discard, drop, \
                                 require, warn), found `{found}`"
                            ),
                            Some(
                                "each ACL statement starts with a verb; conditions follow it"
                                    .to_string(),
                            ),
                        );
                        continue;
                    }
                    cond_start = if bang { skip_space(&text, 1) } else { 0 };
                }
            }
            // A condition or modifier.
            let (cname, cafter) = {
                let s = skip_space(&text, cond_start);
                let (n, a) = Self::first_word(&text[s..]);
                (n.start + s..n.end + s, a + s)
            };
            let cn = text[cname.clone()].to_string();
            if verb.is_none() && text.ends_with(':') && !text.contains('=') {
                self.acl_name_error(i, &text);
                continue;
            }
            let Some(is_modifier) = tables::acl_condition(&cn) else {
                let found: String = text[cond_start..].chars().take(30).collect();
                let found = found.trim_start().to_string();
                self.line_error(
                    i,
                    cname.start..len,
                    format!("unknown ACL condition or modifier in `{found}`"),
                    Some(
                        "conditions and modifiers are words like `hosts`, `domains`, `verify`, \
                         `message`, `set`; a new ACL starts with `name:`"
                            .to_string(),
                    ),
                );
                continue;
            };
            if negated && is_modifier {
                self.line_error(
                    i,
                    cname.clone(),
                    format!("`!` cannot negate the modifier `{cn}`"),
                    Some("only conditions can be negated".to_string()),
                );
                continue;
            }
            let acl = current.as_mut().expect("current ACL");
            let st = acl.statements.last().expect("statement");
            if cn == "endpass" && !matches!(st.verb, AclVerb::Accept | AclVerb::Discard) {
                let v = st.verb.as_str();
                self.line_error(
                    i,
                    cname.clone(),
                    format!("`endpass` is not allowed with `{v}`"),
                    Some("`endpass` may follow only `accept` or `discard`".to_string()),
                );
                continue;
            }
            let mut pos = cafter;
            let mut variable = None;
            if cn == "set" {
                match self.acl_set_variable(i, &text, pos) {
                    Some((var, next)) => {
                        variable = Some(var);
                        pos = next;
                    }
                    None => continue,
                }
            }
            let (value, value_loc) = if cn == "endpass" {
                (None, None)
            } else {
                if text.as_bytes().get(pos) != Some(&b'=') {
                    let what = if is_modifier { "modifier" } else { "condition" };
                    let l = len;
                    self.line_error(
                        i,
                        pos..l,
                        format!("expected `=` after ACL {what} `{cn}`"),
                        Some(format!("write `{cn} = value`")),
                    );
                    continue;
                }
                let vs = skip_space(&text, pos + 1);
                (
                    Some(text[vs..].to_string()),
                    Some(self.cfg.lines[i].loc(vs..len)),
                )
            };
            let line = &self.cfg.lines[i];
            let item = AclItem {
                name: cn,
                name_loc: line.loc(cname),
                negated,
                is_modifier,
                variable,
                value,
                value_loc,
                loc: line.loc(0..len),
            };
            let acl = current.as_mut().expect("current ACL");
            acl.statements
                .last_mut()
                .expect("statement")
                .items
                .push(item);
        }
        if let Some(a) = current.take() {
            self.cfg.acls.push(a);
        }
        end.unwrap_or(Got::Eof)
    }

    pub(super) fn acl_name_error(&mut self, i: usize, text: &str) {
        let len = text.len();
        let t = text.strip_suffix(':').unwrap_or(text).trim_end();
        let message = if text.ends_with(':') {
            let bad = bad_name_char(t);
            if t.is_empty() {
                "missing ACL name before `:`".to_string()
            } else {
                format!("malformed ACL name `{t}`{bad}")
            }
        } else {
            let found: String = text.chars().take(30).collect();
            format!("expected an ACL name followed by `:`, found `{found}`")
        };
        self.line_error(
            i,
            0..len,
            message,
            Some(
                "an ACL starts with a line `name:`; the name starts with a letter and contains \
                 only letters, digits and underscores"
                    .to_string(),
            ),
        );
    }

    /// Checks the variable of an ACL `set` modifier; returns it and the index after it.
    pub(super) fn acl_set_variable(
        &mut self,
        i: usize,
        text: &str,
        at: usize,
    ) -> Option<(String, usize)> {
        let len = text.len();
        let rest = &text[at..];
        let mut end = at;
        let b = text.as_bytes();
        while end < len && b[end] != b'=' && !is_space(b[end]) {
            end += 1;
        }
        let var = &text[at..end];
        for fixed in ["dkim_verify_status", "dkim_verify_reason"] {
            if let Some(tail) = rest.strip_prefix(fixed) {
                if tail
                    .bytes()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphanumeric())
                {
                    break;
                }
                let next = skip_space(text, at + fixed.len());
                return Some((fixed.to_string(), next));
            }
        }
        let problem = if !(var.starts_with("acl_c") || var.starts_with("acl_m")) {
            Some("the variable name must start with `acl_c` or `acl_m`".to_string())
        } else if !var[5..]
            .bytes()
            .next()
            .is_some_and(|c| c.is_ascii_digit() || c == b'_')
        {
            Some("`acl_c` or `acl_m` must be followed by a digit or `_`".to_string())
        } else {
            var.chars()
                .find(|c| !(c.is_ascii_alphanumeric() || *c == '_'))
                .map(|c| format!("`{c}` is not allowed in a variable name"))
        };
        if let Some(p) = problem {
            self.line_error(
                i,
                at..end,
                format!("invalid variable name `{var}` after `set`: {p}"),
                Some("write `set acl_m_name = value` or `set acl_c_name = value`".to_string()),
            );
            return None;
        }
        Some((var.to_string(), skip_space(text, end)))
    }
}
