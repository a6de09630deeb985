//! The retry, rewrite and `local_scan` sections, and Exim's time and number readers.

use super::*;

impl Loader<'_> {
    // ---- retry

    pub(super) fn section_retry(&mut self) -> Got {
        let mut end = None;
        while let Some(i) = self.section_line(SectionKind::Retry, &mut end) {
            if let Some(r) = self.retry_rule(i) {
                self.cfg.retry_rules.push(r);
            }
        }
        end.unwrap_or(Got::Eof)
    }

    pub(super) fn retry_rule(&mut self, i: usize) -> Option<RetryRule> {
        let text = self.cfg.lines[i].as_str().to_string();
        let len = text.len();
        let head = EximParser::parse(Rule::retry_head, &text).ok()?.next()?;
        let mut pattern = 0..0;
        let mut error = 0..0;
        for p in head.clone().into_inner() {
            let s = p.as_span();
            match p.as_rule() {
                Rule::dq_string => pattern = s.start()..s.end(),
                Rule::retry_error => error = s.start()..s.end(),
                _ => {}
            }
        }
        let mut p = head.as_span().end();
        if error.is_empty() {
            self.line_error(
                i,
                len..len,
                "missing error type in retry rule",
                Some("a retry rule is `pattern error parameters`, e.g. `* * F,2h,15m`".to_string()),
            );
            return None;
        }
        let err = text[error.clone()].to_string();
        if let Some(problem) = retry_error_problem(&err) {
            self.line_error(
                i,
                error.clone(),
                format!("unknown or malformed retry error `{err}`: {problem}"),
                Some(
                    "use `*`, `auth_failed`, `refused[_A|_MX]`, `timeout[_A|_MX|_connect…]`, \
                     `lookup`, `quota[_<time>]`, `lost_connection`, `tls_required`, \
                     `rcpt_4xx`, `mail_4xx` or `data_4xx`"
                        .to_string(),
                ),
            );
            return None;
        }
        let line = &self.cfg.lines[i];
        let mut rule = RetryRule {
            pattern: dequote(&text[pattern.clone()]).value,
            pattern_loc: line.loc(pattern),
            error: err,
            error_loc: line.loc(error),
            senders: None,
            senders_loc: None,
            params: Vec::new(),
            loc: line.loc(0..len),
        };
        if text[p..].starts_with("senders") {
            match EximParser::parse(Rule::retry_senders, &text[p..]) {
                Ok(mut pairs) => {
                    let s = pairs.next().expect("retry_senders");
                    for q in s.clone().into_inner() {
                        if q.as_rule() == Rule::dq_string {
                            let r = p + q.as_span().start()..p + q.as_span().end();
                            rule.senders = Some(dequote(&text[r.clone()]).value);
                            rule.senders_loc = Some(self.cfg.lines[i].loc(r));
                        }
                    }
                    p += s.as_span().end();
                }
                Err(_) => {
                    self.line_error(
                        i,
                        p..len,
                        "expected `=` after `senders` in retry rule",
                        Some("write `senders = address-list`".to_string()),
                    );
                    return None;
                }
            }
        }
        let b = text.as_bytes();
        while p < len {
            let start = p;
            let letter = (b[p] as char).to_ascii_uppercase();
            p += 1;
            let cutoff = match self.retry_arg(i, &text, &mut p, false) {
                Ok(v) => v,
                Err(()) => return None,
            };
            let (interval, factor) = match letter {
                'F' => match self.retry_arg(i, &text, &mut p, false) {
                    Ok(v) => (v, None),
                    Err(()) => return None,
                },
                'G' | 'H' => {
                    let iv = match self.retry_arg(i, &text, &mut p, false) {
                        Ok(v) => v,
                        Err(()) => return None,
                    };
                    let f = match self.retry_arg(i, &text, &mut p, true) {
                        Ok(v) => v,
                        Err(()) => return None,
                    };
                    (iv, f.map(|x| x as f64 / 1000.0))
                }
                _ => {
                    let c: String = text[start..].chars().take(1).collect();
                    self.line_error(
                        i,
                        start..start + c.len(),
                        format!("unknown retry rule letter `{c}`"),
                        Some("retry parameters start with `F`, `G` or `H`".to_string()),
                    );
                    return None;
                }
            };
            let bad = cutoff.is_none_or(|v| v == 0)
                || interval.is_none_or(|v| v == 0)
                || (letter != 'F' && factor.is_none_or(|f| f < 1.0));
            if bad {
                let what: String = text[start..p].to_string();
                self.line_error(
                    i,
                    start..p,
                    format!("bad parameters `{what}` in retry rule"),
                    Some(
                        "the cutoff and interval must be times greater than zero with a unit \
                         (`2h`, `15m`) and the factor at least 1 (`G,16h,1h,1.5`)"
                            .to_string(),
                    ),
                );
                return None;
            }
            rule.params.push(RetryParam {
                letter,
                cutoff,
                interval,
                factor,
                loc: self.cfg.lines[i].loc(start..p),
            });
            p = skip_space(&text, p);
            if p < len && b[p] == b';' {
                p = skip_space(&text, p + 1);
            } else if p < len {
                let l = len;
                self.line_error(
                    i,
                    p..l,
                    "expected `;` between retry parameter sets",
                    Some("write `F,2h,15m; G,16h,1h,1.5`".to_string()),
                );
                return None;
            }
        }
        Some(rule)
    }

    /// One `,value` of a retry rule (Exim's `retry_arg`): a time, or a fixed-point factor
    /// (returned times 1000). `Ok(None)` for a value that does not read as one.
    pub(super) fn retry_arg(
        &mut self,
        i: usize,
        text: &str,
        p: &mut usize,
        fixed: bool,
    ) -> Result<Option<u64>, ()> {
        let b = text.as_bytes();
        let len = b.len();
        if b.get(*p) != Some(&b',') {
            let found = if *p < len && is_space(b[*p]) {
                "white space (no space is allowed before a comma)".to_string()
            } else {
                text[*p..]
                    .chars()
                    .next()
                    .map_or("end of line".into(), |c| format!("`{c}`"))
            };
            self.line_error(
                i,
                *p..len,
                format!("expected `,` in retry parameters, found {found}"),
                Some("write `F,2h,15m` (letter, cutoff, interval[, factor])".to_string()),
            );
            return Err(());
        }
        let mut q = skip_space(text, *p + 1);
        let start = q;
        while q < len && (b[q].is_ascii_alphanumeric() || (fixed && b[q] == b'.')) {
            q += 1;
        }
        if q < len && !is_space(b[q]) && b[q] != b',' && b[q] != b';' {
            let c = text[q..].chars().next().unwrap_or(' ');
            self.line_error(
                i,
                q..len,
                format!("unexpected `{c}` in retry parameters: expected `,` or `;`"),
                Some("write `F,2h,15m; G,16h,1h,1.5`".to_string()),
            );
            return Err(());
        }
        *p = q;
        let v = &text[start..q];
        Ok(if fixed { read_fixed(v) } else { read_time(v) })
    }

    // ---- rewrite

    pub(super) fn section_rewrite(&mut self) -> Got {
        let mut end = None;
        while let Some(i) = self.section_line(SectionKind::Rewrite, &mut end) {
            if let Some(r) = self.rewrite_rule(i) {
                self.cfg.rewrite_rules.push(r);
            }
        }
        end.unwrap_or(Got::Eof)
    }

    pub(super) fn rewrite_rule(&mut self, i: usize) -> Option<RewriteRule> {
        let text = self.cfg.lines[i].as_str().to_string();
        let len = text.len();
        let head = EximParser::parse(Rule::rewrite_head, &text).ok()?.next()?;
        let mut strings = Vec::new();
        for p in head.clone().into_inner() {
            if p.as_rule() == Rule::dq_string {
                strings.push(p.as_span().start()..p.as_span().end());
            }
        }
        let (pattern, replacement) = (strings[0].clone(), strings[1].clone());
        if replacement.is_empty() {
            self.line_error(
                i,
                len..len,
                "missing replacement in rewrite rule",
                Some(
                    "a rewrite rule is `pattern replacement [flags]`; quote a replacement that \
                     contains spaces"
                        .to_string(),
                ),
            );
            return None;
        }
        let fstart = head.as_span().end();
        let pattern_value = dequote(&text[pattern.clone()]).value;
        let mut flags = String::new();
        for (k, c) in text[fstart..].char_indices() {
            match c {
                ' ' | '\t' => {}
                'E' | 'F' | 'T' | 'b' | 'c' | 'f' | 'h' | 'r' | 's' | 't' | 'Q' | 'q' | 'R'
                | 'w' => flags.push(c),
                'S' => {
                    if !(pattern_value.starts_with('^') || pattern_value.starts_with("\\N^")) {
                        let at = fstart + k;
                        self.line_error(
                            i,
                            at..at + 1,
                            "rewrite flag `S` needs a regular expression pattern",
                            Some("start the pattern with `^` (or `\\N^`)".to_string()),
                        );
                        return None;
                    }
                    flags.push(c);
                }
                other => {
                    let at = fstart + k;
                    self.line_error(
                        i,
                        at..at + other.len_utf8(),
                        format!("unknown rewrite flag `{other}`"),
                        Some(
                            "flags are letters from `EFTbcfhrstSQqRw`; if the replacement \
                             contains spaces it must be in double quotes"
                                .to_string(),
                        ),
                    );
                    return None;
                }
            }
        }
        let line = &self.cfg.lines[i];
        Some(RewriteRule {
            pattern: pattern_value,
            pattern_loc: line.loc(pattern),
            replacement: dequote(&text[replacement.clone()]).value,
            replacement_loc: line.loc(replacement),
            flags,
            flags_loc: line.loc(fstart..len),
            loc: line.loc(0..len),
        })
    }

    // ---- local_scan

    pub(super) fn section_local_scan(&mut self) -> Got {
        let mut end = None;
        let mut set = HashMap::new();
        while let Some(i) = self.section_line(SectionKind::LocalScan, &mut end) {
            if let Some(o) = self.option(i, OptContext::LocalScan, &mut set) {
                self.cfg.local_scan_options.push(o);
            }
        }
        end.unwrap_or(Got::Eof)
    }
}

/// Exim's `readconf_readtime`: `[<n>w][<n>d][<n>h][<n>m][<n>s]`, each number with its unit.
pub fn read_time(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if b.is_empty() {
        return None;
    }
    let mut i = 0;
    let mut total: u64 = 0;
    while i < b.len() {
        let st = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if st == i {
            return None;
        }
        let n: u64 = s[st..i].parse().unwrap_or(u64::MAX / 1_000_000);
        let mult = match b.get(i) {
            Some(b'w') => 7 * 24 * 3600,
            Some(b'd') => 24 * 3600,
            Some(b'h') => 3600,
            Some(b'm') => 60,
            Some(b's') => 1,
            _ => return None,
        };
        i += 1;
        total = total.saturating_add(n.saturating_mul(mult));
    }
    Some(total)
}

/// Exim's `readconf_readfixed`: digits with up to three decimals, times 1000.
pub fn read_fixed(s: &str) -> Option<u64> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if int.is_empty() || !int.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    if !frac.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let mut v: u64 = int
        .parse::<u64>()
        .unwrap_or(u64::MAX / 1000)
        .saturating_mul(1000);
    let mut m = 100;
    for c in frac.bytes() {
        v += (c - b'0') as u64 * m;
        m /= 10;
    }
    Some(v)
}

/// What is wrong with a retry error name (Exim's `readconf_retry_error`), if anything.
pub(super) fn retry_error_problem(e: &str) -> Option<String> {
    let lower = e.to_ascii_lowercase();
    let (base, tail) = match lower.find('_') {
        Some(k) => (&lower[..k], Some(&lower[k + 1..])),
        None => (lower.as_str(), None),
    };
    let prefix_of = |word: &str, s: &str| word.len() >= s.len() && word.starts_with(s);
    if base == "quota" {
        return match tail {
            Some(t) if read_time(t).is_none() => Some("bad time after `quota_`".into()),
            _ => None,
        };
    }
    if base == "refused" {
        return match tail {
            Some(t) if !(prefix_of("mx", t) || prefix_of("a", t)) => {
                Some("`A` or `MX` expected after `refused_`".into())
            }
            _ => None,
        };
    }
    if base == "timeout" {
        return match tail {
            Some(t)
                if !["a", "mx", "connect", "connect_a", "connect_mx", "dns"]
                    .iter()
                    .any(|w| prefix_of(w, t)) =>
            {
                Some("`A`, `MX` or `connect` expected after `timeout_`".into())
            }
            _ => None,
        };
    }
    if lower.starts_with("mail_4") || lower.starts_with("rcpt_4") || lower.starts_with("data_4") {
        let b = lower.as_bytes();
        let ok = b.len() == 8
            && ((b[6].is_ascii_digit() && (b[7].is_ascii_digit() || b[7] == b'x'))
                || (b[6] == b'x' && b[7] == b'x'));
        return if ok {
            None
        } else {
            Some(format!(
                "`{}_4` must be followed by `xx`, a digit and `x`, or two digits",
                &e[..4]
            ))
        };
    }
    if base == "auth" && tail.is_some_and(|t| prefix_of("failed", t)) {
        return None;
    }
    if prefix_of("lost_connection", &lower)
        || prefix_of("tls_required", &lower)
        || prefix_of("lookup", &lower)
        || e == "*"
    {
        return None;
    }
    Some("not an error name Exim knows".into())
}
