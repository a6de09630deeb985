//! English for messages: lists and plurals.

/// `a`, `a and b`, `a, b and c`.
pub fn join_and<S: AsRef<str>>(parts: &[S]) -> String {
    match parts {
        [] => String::new(),
        [one] => one.as_ref().to_string(),
        [init @ .., last] => {
            let mut out = String::new();
            for (i, p) in init.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(p.as_ref());
            }
            out.push_str(" and ");
            out.push_str(last.as_ref());
            out
        }
    }
}

/// `one` when `n` is 1, else `many`.
pub fn plural<'a, N: PartialEq + From<u8>>(n: N, one: &'a str, many: &'a str) -> &'a str {
    if n == N::from(1) { one } else { many }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_read_as_english() {
        assert_eq!(join_and::<&str>(&[]), "");
        assert_eq!(join_and(&["a"]), "a");
        assert_eq!(join_and(&["a", "b"]), "a and b");
        assert_eq!(
            join_and(&["a".to_string(), "b".into(), "c".into()]),
            "a, b and c"
        );
    }

    #[test]
    fn plurals() {
        assert_eq!(plural(1usize, "file", "files"), "file");
        assert_eq!(plural(0u64, "file", "files"), "files");
        assert_eq!(plural(2u32, "remains", "remain"), "remain");
    }
}
