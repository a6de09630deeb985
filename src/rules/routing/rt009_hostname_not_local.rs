//! RT009: the server host name is missing from `etc/localdomains`.

use crate::finding::{Finding, Fix, Loc};
use crate::model::{HostnameSource, Server};
use crate::rules::edit;

use super::{FAMILY, LOCAL, misread_lines};

rule!(
    RT009,
    "hostname-not-local",
    Error,
    None,
    Safe,
    [LISTS],
    "The server host name is missing from etc/localdomains."
);

/// RT009: the host name must be local.
pub(super) fn check(s: &Server, out: &mut Vec<Finding>) {
    let Some(h) = &s.identity.hostname else {
        return;
    };
    if s.lists.in_local(&h.value) {
        return;
    }
    let Some(local) = &s.lists.local else {
        return;
    };
    let mut f = Finding::new(
        &RT009,
        format!("the host name {} is not in etc/localdomains", h.value),
    )
    .domain(&h.value)
    .at(Loc::file_start(local.path()))
    .label(format!("{} belongs in this list", h.value))
    .note(format!(
        "cPanel's Exim configuration reads local domains from etc/localdomains only, so mail to addresses at {} (root, cPanel's notices, bounces) is treated as foreign and refused",
        h.value
    ))
    .fix(Fix::safe(format!("add {} to etc/localdomains", h.value)).edit(edit::list_append(Some(&local.file), LOCAL, &h.value)));
    f = misread_lines(s, &h.value, f);
    if let Some(loc) = &h.loc {
        f = f.related(loc.clone(), hostname_here(s));
    }
    out.push(f);
}

/// The related message at the place the host name was taken from.
pub(super) fn hostname_here(s: &Server) -> String {
    match s.identity.hostname_source {
        None | Some(HostnameSource::Configured | HostnameSource::Wwwacct) => {
            "the host name is set here".to_string()
        }
        Some(src) => format!(
            "the host name, taken from {} (etc/wwwacct.conf states no HOST)",
            src.describe()
        ),
    }
}
