//! Physical lines into logical lines: macros, conditionals, includes, continuations.

use super::*;

impl Loader<'_> {
    // ------------------------------------------------------------------------------------
    // Physical lines, macros, conditionals, includes

    pub(super) fn next_phys(&mut self) -> Option<(usize, usize)> {
        loop {
            let fr = self.stack.last_mut()?;
            if fr.next < self.cfg.files[fr.file].parsed.lines.len() {
                let l = fr.next;
                fr.next += 1;
                return Some((fr.file, l));
            }
            if self.stack.len() == 1 {
                return None;
            }
            self.stack.pop();
        }
    }

    /// Whether substitution can change this line: it has a character that can start a macro
    /// name and there are macros to try.
    pub(super) fn may_substitute(&self, line: &str, logical_start: bool) -> bool {
        match macro_scan_start(line, logical_start) {
            None => false,
            Some(s) => {
                !self.macros.is_empty() || (line.as_bytes()[s] == b'_' && !self.builtins.is_empty())
            }
        }
    }

    /// Macro substitution on one physical line, as Exim does it: from the first character that
    /// can start a macro name (an upper-case letter, or `_` and an upper-case letter), skipping
    /// the `NAME =` of a definition at the start of a logical line; each macro in definition
    /// order replaces every occurrence (plain substring search), and its replacement is not
    /// rescanned for itself. Builtins are only tried when the first candidate is `_`.
    pub(super) fn substitute(&self, line: MappedText, logical_start: bool) -> (MappedText, bool) {
        let Some(s) = macro_scan_start(line.as_str(), logical_start) else {
            return (line, false);
        };
        let with_builtins = line.as_str().as_bytes()[s] == b'_';
        let mut text = line;
        let mut found = false;
        if with_builtins {
            for name in self.builtins.iter() {
                if let Some(t) = text.replace_all(s, name, "y") {
                    text = t;
                    found = true;
                }
            }
        }
        for m in &self.macros {
            if let Some(t) = text.replace_all(s, &m.name, &m.value) {
                text = t;
                found = true;
            }
        }
        (text, found)
    }

    pub(super) fn cond(&mut self, kind: CondKind, found: bool, loc: Loc) {
        let (a1, a2, push): (usize, usize, i8) = match kind {
            CondKind::Ifdef => (0, 1, 1),
            CondKind::Ifndef => (1, 0, 1),
            CondKind::Elifdef => (2, 3, 0),
            CondKind::Elifndef => (3, 2, 0),
            CondKind::Else => (2, 2, 0),
            CondKind::Endif => (0, 0, -1),
        };
        let col = if found { a1 } else { a2 };
        if push > 0 {
            if self.conds.len() >= MAX_COND_DEPTH {
                self.error(
                    loc,
                    format!(
                        "`{}` nested too deeply: Exim allows at most {MAX_COND_DEPTH} levels",
                        kind.as_str()
                    ),
                    Some("flatten the conditionals".into()),
                );
            }
            self.conds.push(CondFrame {
                saved: self.cstate,
                loc,
                kind,
                else_seen: false,
            });
            self.cstate = NEXT_STATE[self.cstate as usize][col];
            return;
        }
        let Some(top) = self.conds.last_mut() else {
            self.error(
                loc,
                format!("`{}` without a matching `.ifdef`", kind.as_str()),
                Some(
                    "every `.else`, `.elifdef` and `.endif` needs an open `.ifdef` or `.ifndef` \
                     before it (a directive followed by a TAB is ignored by Exim)"
                        .into(),
                ),
            );
            return;
        };
        if push < 0 {
            self.cstate = top.saved;
            self.conds.pop();
            return;
        }
        if top.else_seen {
            let opened = top.loc;
            let k = top.kind;
            self.cfg.errors.push(ConfigError {
                loc,
                message: format!(
                    "`{}` after `.else`: the lines it introduces can never be used",
                    kind.as_str()
                ),
                help: Some(format!(
                    "the `{}` opened at byte {} already has its `.else`; close it with `.endif` first",
                    k.as_str(),
                    opened.span.start
                )),
                exim_rejects: false,
            });
        }
        if kind == CondKind::Else {
            top.else_seen = true;
        }
        self.cstate = NEXT_STATE[self.cstate as usize][col];
    }

    pub(super) fn include(
        &mut self,
        file: usize,
        if_exists: bool,
        path: String,
        loc: Loc,
        path_loc: Loc,
    ) {
        let including = self.cfg.files[file].source.path().to_string();
        let kw = if if_exists {
            ".include_if_exists"
        } else {
            ".include"
        };
        if path.is_empty() {
            self.cfg.errors.push(ConfigError {
                loc,
                message: format!("`{kw}` without a file name"),
                help: Some(format!("write `{kw} /path/to/file`")),
                exim_rejects: if_exists,
            });
            return;
        }
        if if_exists && !path.starts_with('/') {
            self.error(
                path_loc,
                format!("`.include_if_exists` needs an absolute path, found `{path}`"),
                Some("start the file name with `/`".into()),
            );
            return;
        }
        let resolved_path = if path.starts_with('/') {
            path.clone()
        } else {
            let dir = including.rfind('/').map_or("", |i| &including[..i]);
            let dir = dir.trim_start_matches('/');
            if dir.is_empty() {
                format!("/{path}")
            } else {
                format!("/{dir}/{path}")
            }
        };
        let mut inc = Include {
            path: path.clone(),
            resolved_path: resolved_path.clone(),
            if_exists,
            loc,
            path_loc,
            status: IncludeStatus::NotFound,
        };
        if self.stack.len() > self.max_depth {
            let msg = format!("includes nested more than {} deep", self.max_depth);
            self.error(
                loc,
                format!("`{path}` not read: {msg}"),
                Some("check for files that include each other".into()),
            );
            inc.status = IncludeStatus::Skipped(msg);
            self.cfg.includes.push(inc);
            return;
        }
        let req = IncludeRequest {
            path,
            resolved_path,
            including_file: including,
            if_exists,
            loc,
        };
        match (self.resolve)(&req) {
            IncludeOutcome::Found(src) => {
                let on_stack = self
                    .stack
                    .iter()
                    .any(|f| self.cfg.files[f.file].source.path() == src.path());
                if on_stack {
                    let msg = format!("`{}` includes itself", src.path());
                    self.error(
                        loc,
                        format!("include loop: {msg}"),
                        Some("Exim would include the file again and again; remove the loop".into()),
                    );
                    inc.status = IncludeStatus::Skipped(msg);
                } else {
                    let idx = match self
                        .cfg
                        .files
                        .iter()
                        .position(|f| f.source.path() == src.path())
                    {
                        Some(i) => i,
                        None => {
                            let parsed = file::parse(&src);
                            self.cfg.files.push(ConfigFile {
                                source: src,
                                parsed,
                            });
                            self.cfg.files.len() - 1
                        }
                    };
                    self.stack.push(Frame { file: idx, next: 0 });
                    inc.status = IncludeStatus::Loaded(idx);
                }
            }
            IncludeOutcome::NotFound => inc.status = IncludeStatus::NotFound,
            IncludeOutcome::Refused(r) => inc.status = IncludeStatus::Refused(r),
        }
        self.cfg.includes.push(inc);
    }

    /// Reads the next logical line (Exim's `get_config_line`).
    pub(super) fn next_line(&mut self, section: SectionKind) -> Got {
        let mut joiner = Joiner::default();
        let mut first = (0usize, 0usize);
        let mut last = (0usize, 0usize);
        loop {
            let Some((fi, li)) = self.next_phys() else {
                while let Some(c) = self.conds.pop() {
                    self.error(
                        c.loc,
                        format!("`{}` is never closed: `.endif` missing", c.kind.as_str()),
                        Some(
                            "add `.endif` after the lines it controls; Exim ignores an `.endif` \
                             followed by a TAB or by the CR of a Windows (CRLF) line end"
                                .into(),
                        ),
                    );
                }
                self.cstate = 0;
                if joiner.text.is_empty() {
                    return Got::Eof;
                }
                break;
            };
            let body = self.cfg.files[fi].parsed.lines[li].body;
            let logical_start = joiner.text.is_empty();
            let sub = if self.may_substitute(self.cfg.files[fi].source.slice(body), logical_start) {
                let raw = MappedText::from_source(
                    self.cfg.files[fi].source.slice(body),
                    fi,
                    body.start as usize,
                );
                Some(self.substitute(raw, logical_start))
            } else {
                None
            };
            let (class, found) = match &sub {
                Some((m, f)) => (classify(m.as_str()), *f),
                None => (classify(self.cfg.files[fi].source.slice(body)), false),
            };
            // The line as text that maps back to the file (only built where needed).
            let owned = |this: &Self, sub: Option<(MappedText, bool)>| match sub {
                Some((m, _)) => m,
                None => MappedText::from_source(
                    this.cfg.files[fi].source.slice(body),
                    fi,
                    body.start as usize,
                ),
            };
            match class {
                PhysClass::Comment => continue,
                PhysClass::Directive {
                    kind,
                    keyword,
                    dropped_by,
                    ..
                } => {
                    let line = owned(self, sub);
                    let loc = line.loc(keyword.0..line.len());
                    if let Some(next) = dropped_by {
                        self.cfg.quirks.push(Quirk::DroppedDirective {
                            loc,
                            directive: kind.as_str().to_string(),
                            next,
                        });
                    } else {
                        self.cond(kind, found, loc);
                    }
                    continue;
                }
                _ if self.cstate != 0 => continue,
                PhysClass::Include {
                    if_exists,
                    keyword,
                    path,
                    ..
                } => {
                    let line = owned(self, sub);
                    let loc = line.loc(keyword.0..line.len());
                    let path_loc = line.loc(path.0..path.1);
                    let p = line.as_str()[path.0..path.1].to_string();
                    self.include(fi, if_exists, p, loc, path_loc);
                    continue;
                }
                PhysClass::Blank | PhysClass::Content(_) => {
                    if joiner.text.is_empty() {
                        first = (fi, li);
                    }
                    last = (fi, li);
                    let done = match &sub {
                        Some((m, _)) => joiner.push(m, skip_space(m.as_str(), 0)),
                        None => {
                            let t = self.cfg.files[fi].source.slice(body);
                            joiner.push_source(t, fi, body.start as usize, skip_space(t, 0))
                        }
                    };
                    if done {
                        break;
                    }
                }
            }
        }
        let text = joiner.text;
        let is_begin = starts_with_begin(text.as_str())
            && EximParser::parse(Rule::begin_line, text.as_str()).is_ok();
        let idx = self.cfg.lines.len();
        self.cfg.lines.push(LogicalLine {
            text,
            section,
            first,
            last,
        });
        if is_begin {
            Got::Begin(idx)
        } else {
            Got::Line(idx)
        }
    }
}

/// Where Exim starts looking for macro names in a physical line: after the `NAME =` of a
/// definition at the start of a logical line, at the first upper-case letter or `_` followed by
/// one. `None` when there is no such character.
pub(super) fn macro_scan_start(line: &str, logical_start: bool) -> Option<usize> {
    let b = line.as_bytes();
    let ss = skip_space(line, 0);
    let mut s = ss;
    if logical_start && c_upper(b.get(ss)) {
        let e = skip_space(line, name_end(line, ss));
        if b.get(e) == Some(&b'=') {
            s = e;
        }
    }
    while s < b.len() && !(b[s].is_ascii_uppercase() || (b[s] == b'_' && c_upper(b.get(s + 1)))) {
        s += 1;
    }
    (s < b.len()).then_some(s)
}
