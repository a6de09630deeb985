//! EXIM010: `etc/exim.conf.local` sets an option that `etc/exim.conf.localopts` also sets, so the
//! value chosen in WHM's Exim Configuration Manager is silently dead.

use crate::finding::{Edit, Finding, Fix};
use crate::model::Server;
use crate::model::exim::{REBUILD, WHM_PAGE};

use super::FAMILY;

rule!(
    EXIM010,
    "local-overrides-localopts",
    Warning,
    None,
    Unsafe,
    [EXIM],
    "etc/exim.conf.local sets an option that etc/exim.conf.localopts also sets: the WHM value is dead."
);

/// The Exim main options cPanel writes from localopts keys (`Cpanel/Exim/Config.pm`), with
/// those keys: a `@CONFIG@` line of `etc/exim.conf.local` for the option kills cPanel's line.
pub const CONTROLLED: &[(&str, &[&str])] = &[
    (
        "tls_require_ciphers",
        &["tls_require_ciphers", "allowweakciphers"],
    ),
    ("openssl_options", &["openssl_options"]),
    ("dsn_advertise_hosts", &["dsn_advertise_hosts"]),
    ("smtputf8_advertise_hosts", &["smtputf8_advertise_hosts"]),
];

pub(super) fn check(s: &Server, out: &mut Vec<Finding>) {
    let Some(local) = &s.exim_local else {
        return;
    };
    for o in s.local_options() {
        let Some((_, keys)) = CONTROLLED.iter().find(|(n, _)| *n == o.name) else {
            continue;
        };
        let mut set: Vec<_> = keys.iter().filter_map(|k| s.localopt(k)).collect();
        set.sort_by_key(|l| (l.shadow, l.line.span.start));
        if set.is_empty() {
            continue;
        }
        let names: Vec<String> = set.iter().map(|l| format!("`{}`", l.key)).collect();
        let what = if o.removes {
            format!(
                "etc/exim.conf.local removes `{}`, which etc/exim.conf.localopts sets ({})",
                o.name,
                names.join(", ")
            )
        } else {
            format!(
                "etc/exim.conf.local sets `{}`, which etc/exim.conf.localopts also sets ({}): the WHM value is ignored",
                o.name,
                names.join(", ")
            )
        };
        let mut f = Finding::new(&EXIM010, what)
            .at(local.loc(o.text))
            .label("this line overrides the Exim Configuration Manager")
            .note(format!(
                "cPanel's buildeximconf writes the `@CONFIG@` lines of etc/exim.conf.local first and then drops its own line for the same option, so the value chosen in {WHM_PAGE} (kept in etc/exim.conf.localopts) never reaches etc/exim.conf, and WHM still shows it as if it applied"
            ));
        for l in &set {
            f = f.related(l.line.clone(), "WHM's value, silently unused");
        }
        if let Some(c) = &s.exim
            && let Some(g) = c.main_option(&o.name)
        {
            f = f.related(s.exim_loc(g.loc), "what Exim runs (generated)");
        }
        let fix = Fix::unsafe_(format!(
            "remove the `{}` line from etc/exim.conf.local so that the value of WHM's Exim Configuration Manager applies, then rebuild etc/exim.conf",
            o.name
        ))
        .edit(Edit::delete(local.path(), o.line))
        .command(REBUILD);
        out.push(f.fix(fix));
    }
}
