//! MBX001: an inbox larger than POP3 copes with (a legacy-mbox/POP heuristic).

use crate::finding::{Finding, Fix, Severity};
use crate::model::DEFAULT_POP_MAX_BYTES;
use crate::model::Server;
use crate::model::mail::{Format, human};

use super::FAMILY;
use super::{Subject, plural};

rule!(
    MBX001,
    "oversize-pop-mailbox",
    Warning,
    Some("error for a single-file mbox inbox"),
    DisplayOnly,
    [MAIL_ACCOUNTS, MAILBOXES],
    "An inbox larger than POP3 copes with (100 MiB by default): a legacy-mbox/POP heuristic."
);

pub(super) fn check(sub: &Subject<'_>, s: &Server, out: &mut Vec<Finding>) {
    let (Some(usage), Some(format)) = (&sub.mailbox.usage, sub.mailbox.format) else {
        return;
    };
    let max = s.options.pop_max_bytes;
    if usage.inbox.bytes <= max {
        return;
    }
    let name = sub.name();
    let size = human(usage.inbox.bytes);
    let limit = human(max);
    let (severity, message, how) = match format {
        Format::Mbox => (
            Severity::Error,
            format!(
                "{name} keeps its inbox in a single mbox file of {size}, more than the {limit} a POP3 mailbox should hold"
            ),
            "an mbox inbox is one file: every delivery appends to it, and every POP3 session locks it and rewrites it whole; a session cut off half-way or a full disk can corrupt the whole file, and a large one makes sessions slow enough for clients to time out",
        ),
        Format::Mdbox => (
            Severity::Warning,
            format!(
                "the mdbox storage of {name} holds {size}, more than the {limit} a POP3 mailbox should hold"
            ),
            "a POP3 client lists and checks the whole inbox at every connection; one that leaves mail on the server (the usual setting) never makes the list shorter, and a new device downloads all of it. mdbox keeps every folder in storage/, so this is the size of all folders",
        ),
        Format::Maildir | Format::Unrecognised => (
            Severity::Warning,
            format!(
                "the inbox of {name} holds {size} in {} {}, more than the {limit} a POP3 mailbox should hold",
                usage.inbox.messages,
                plural(usage.inbox.messages, "message", "messages")
            ),
            "a POP3 client lists and checks the whole inbox at every connection; one that leaves mail on the server (the usual setting) never makes the list shorter, and a new device downloads all of it. Mail filed into folders does not count: POP3 sees only the inbox",
        ),
    };
    let threshold = if max == DEFAULT_POP_MAX_BYTES {
        "the 100 MiB threshold".to_string()
    } else {
        format!("the threshold ({limit}, `[mailbox] pop_max_bytes` in maillint.toml)")
    };
    let mut f = sub
        .finding(&MBX001, message)
        .severity(severity)
        .at(sub.anchor())
        .label(format!("mailbox {name}"))
        .note(how)
        .note(format!(
            "a legacy-mbox/POP3 heuristic, not a cPanel or Dovecot limit: {threshold} comes from hosting advice about single-file mbox mailboxes (the \"POP lock\"); set `[mailbox] pop_max_bytes` in maillint.toml to change it"
        ));
    let advice = match format {
        Format::Mbox => {
            f = f.note("cPanel delivers to maildir (or mdbox) since version 11; an mbox inbox is left over from its old POP3 server and is not converted automatically");
            "read it over IMAP rather than POP3, and convert it to maildir: cPanel's mbox migration (/scripts/convert2maildir before cPanel 11.50, /scripts/setupmailserver in 11.50 to 56); later versions only convert between maildir and mdbox, so there copy the mail into a maildir account over IMAP"
        }
        Format::Mdbox => {
            "read this mailbox over IMAP rather than POP3, or move old mail out of it (into the mail client, or an archive account)"
        }
        Format::Maildir | Format::Unrecognised => {
            "read this mailbox over IMAP rather than POP3, or move old mail out of the inbox into a folder such as Archive (POP3 does not see folders); for very large mailboxes cPanel's /scripts/convert_maildir_to_mdbox stores mail in fewer, larger files"
        }
    };
    if sub.domain.is_some()
        && let Some(e) = crate::rules::log::evidence::pop(s, &name)
    {
        f = f.evidence(e);
    }
    out.push(f.fix(Fix::display_only(advice)));
}
