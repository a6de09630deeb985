//! Exim's lists (domain, host, address, local-part and plain string lists), split into items the
//! way Exim's `string_nextinlist` splits them (`shared/reference/exim.md` §5, "Lists").
//!
//! The separator is `:` unless the list starts (after white space) with `<` and a punctuation
//! or control character, which then is the separator (`<; 127.0.0.1 ; ::1`). A doubled
//! separator stands for itself inside an item (`::1` in a `:` list is `:1`… so IPv6 addresses
//! are written in `<;` lists). White space around items is removed; an empty last item is
//! ignored, an empty item elsewhere is kept (`hosts = :` is one empty item, which matches
//! locally submitted mail). The list is not expanded: an item holding `$` is returned as written.

use std::ops::Range;

/// One item of a list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListItem {
    /// The item without its `!` and white space, doubled separators made single.
    pub text: String,
    /// Preceded by `!` (and optional white space).
    pub negated: bool,
    /// Where the item is in the list text (from its `!`, if any, to its last character).
    pub range: Range<usize>,
}

impl ListItem {
    /// The name of a named list this item refers to (`+local_domains`), if it is a reference.
    /// `+caseful`, `+ignore_defer`, `+ignore_unknown`, `+include_defer` and `+include_unknown`
    /// are options of host and address lists, not references.
    pub fn reference(&self) -> Option<&str> {
        let name = self.text.strip_prefix('+')?;
        if matches!(
            name,
            "caseful" | "ignore_defer" | "ignore_unknown" | "include_defer" | "include_unknown"
        ) {
            return None;
        }
        (!name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
            .then_some(name)
    }

    /// Whether the item holds an expansion (`$`), so that its meaning is known only at run time.
    pub fn is_expanded(&self) -> bool {
        self.text.contains('$')
    }
}

/// The separator of a list and where its items start.
fn separator(list: &str) -> (char, usize) {
    let start = list.len() - list.trim_start().len();
    let rest = &list[start..];
    let mut chars = rest.chars();
    if chars.next() == Some('<')
        && let Some(c) = chars.next()
        && (c.is_ascii_punctuation() || c.is_ascii_control())
    {
        return (c, start + 1 + c.len_utf8());
    }
    (':', start)
}

/// Splits a list into its items.
pub fn items(list: &str) -> Vec<ListItem> {
    let (sep, mut pos) = separator(list);
    let b = list.as_bytes();
    let is_space = |c: u8| c == b' ' || c == b'\t' || c == b'\n' || c == b'\r';
    let mut out = Vec::new();
    loop {
        while pos < b.len() && is_space(b[pos]) {
            pos += 1;
        }
        if pos >= b.len() {
            break;
        }
        let start = pos;
        let mut text = String::new();
        let mut end = pos;
        let mut chars = list[pos..].char_indices().peekable();
        let mut stopped_at_sep = false;
        while let Some((i, c)) = chars.next() {
            if c == sep {
                if chars.peek().map(|&(_, n)| n) == Some(sep) {
                    chars.next();
                    text.push(sep);
                    end = pos + i + 2 * sep.len_utf8();
                    continue;
                }
                stopped_at_sep = true;
                pos += i + sep.len_utf8();
                break;
            }
            text.push(c);
            end = pos + i + c.len_utf8();
        }
        if !stopped_at_sep {
            pos = b.len();
        }
        let trimmed_end = text.trim_end().len();
        text.truncate(trimmed_end);
        // Recompute the end of the trimmed item in the source.
        let mut src_end = end;
        while src_end > start && is_space(b[src_end - 1]) {
            src_end -= 1;
        }
        let (negated, text) = match text.strip_prefix('!') {
            Some(rest) => (true, rest.trim_start().to_string()),
            None => (false, text),
        };
        out.push(ListItem {
            text,
            negated,
            range: start..src_end.max(start),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(list: &str) -> Vec<(bool, String)> {
        items(list)
            .into_iter()
            .map(|i| (i.negated, i.text))
            .collect()
    }

    #[test]
    fn items_as_exim_splits_them() {
        assert_eq!(
            texts("a : ! b:c"),
            [(false, "a".into()), (true, "b".into()), (false, "c".into())]
        );
        assert_eq!(texts(":"), [(false, String::new())]);
        assert_eq!(
            texts("a : : b"),
            [
                (false, "a".into()),
                (false, String::new()),
                (false, "b".into())
            ]
        );
        assert_eq!(texts("a :"), [(false, "a".into())]);
        assert_eq!(texts(""), Vec::<(bool, String)>::new());
        assert_eq!(
            texts("<; 127.0.0.1 ; ::1"),
            [(false, "127.0.0.1".into()), (false, "::1".into())]
        );
        assert_eq!(
            texts("a::b : c"),
            [(false, "a:b".into()), (false, "c".into())]
        );
        assert_eq!(
            texts("<, a , b"),
            [(false, "a".into()), (false, "b".into())]
        );
        // `<` followed by a letter is an ordinary item.
        assert_eq!(texts("<a : b"), [(false, "<a".into()), (false, "b".into())]);
    }

    #[test]
    fn ranges_point_at_the_items() {
        let list = "  +local_domains :  !+relay_domains ";
        let it = items(list);
        assert_eq!(&list[it[0].range.clone()], "+local_domains");
        assert_eq!(&list[it[1].range.clone()], "!+relay_domains");
        assert_eq!(it[1].reference(), Some("relay_domains"));
        assert_eq!(
            items("+caseful : +x.y")
                .iter()
                .map(|i| i.reference())
                .collect::<Vec<_>>(),
            [None, None]
        );
    }
}
