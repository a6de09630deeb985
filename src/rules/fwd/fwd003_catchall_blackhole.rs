//! FWD003: the default address (`*: :blackhole:`) silently discards mail to unknown addresses.

use crate::finding::{Edit, Finding, Fix};
use crate::parse::valiases::DestKind;

use super::{FAIL_TEXT, FAMILY, World, entry_loc};

rule!(
    FWD003,
    "catchall-blackhole",
    Warning,
    None,
    Unsafe,
    [LISTS, FORWARDERS],
    "The default address (`*: :blackhole:`) silently discards mail to unknown addresses."
);

pub(super) fn check(w: &World<'_>, out: &mut Vec<Finding>) {
    for (d, file) in w.local_valiases() {
        let Some((_, e)) = w.catch_all(d) else {
            continue;
        };
        let user = w.user_of(d);
        if let [only] = e.destinations.as_slice()
            && only.kind == DestKind::Blackhole
        {
            let mut fix = Fix::unsafe_(format!(
                "make the default address of {d} fail unknown addresses: `*: {FAIL_TEXT}`"
            ))
            .edit(Edit::replace(file.path(), only.span, FAIL_TEXT));
            if let Some(u) = &user {
                fix = fix.command(format!(
                    "cPanel does the same with: uapi --user={u} Email set_default_address domain={d} fwdopt=fail failmsgs=\"No Such User Here\""
                ));
            }
            out.push(
                Finding::new(
                    &FWD003,
                    format!(
                        "the default address of {d} discards mail (`:blackhole:`): mail to addresses of {d} that do not exist vanishes without a bounce"
                    ),
                )
                .domain(d)
                .maybe_user(user.clone())
                .at(entry_loc(file, e))
                .label("discards mail to unknown addresses")
                .note(format!(
                    "a sender who mistypes an address at {d}, or writes to a mailbox that was deleted, gets no bounce: the message vanishes and nobody knows it was lost. RFC 5321 expects a server that accepts a message to deliver it or to report the failure"
                ))
                .note("cPanel's default for new domains delivers such mail to the account's main mailbox; its documentation of that Tweak Setting notes that Blackhole violates RFC 5321")
                .fix(fix),
            );
        }
    }
}
