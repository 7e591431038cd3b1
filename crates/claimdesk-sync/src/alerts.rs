//! When the clerk should hear about the queue while looking at another window: an OS
//! notification for claims the service refused, and for claims waiting longer than
//! [`STALE_AFTER_DAYS`]. A pure plan over the outbox summary; the app shows what it returns.

use claimdesk_model::catalogue;
use claimdesk_model::claim::STALE_AFTER_DAYS;
use claimdesk_model::wire::ServiceStatus;
use claimdesk_store::OutboxSummary;
use std::time::{Duration, Instant};

/// How often, at most, the clerk is reminded of claims that keep waiting.
pub const REMIND_WAITING_EVERY: Duration = Duration::from_secs(24 * 60 * 60);

/// One notification to raise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Alert {
    /// The service refused claims: `count` need attention now.
    NeedsAttention {
        /// Claims needing attention.
        count: u64,
    },
    /// `count` claims have waited more than [`STALE_AFTER_DAYS`] days to be sent.
    Waiting {
        /// Claims waiting that long.
        count: u64,
    },
    /// The office decided on `count` claims, asking more information for `more_info` of them.
    Decided {
        /// Claims decided on.
        count: u64,
        /// Of those, claims the clerk must answer.
        more_info: u64,
    },
}

/// The notification for the office's decisions one pass pulled (their new statuses), if any:
/// raised whether or not the window has the keyboard, since nothing on screen moved by itself
/// to say so.
pub fn decided<'a>(statuses: impl IntoIterator<Item = &'a str>) -> Option<Alert> {
    let (mut count, mut more_info) = (0, 0);
    for s in statuses {
        count += 1;
        if ServiceStatus::parse(s).is_some_and(|s| s.takes_additions()) {
            more_info += 1;
        }
    }
    (count > 0).then_some(Alert::Decided { count, more_info })
}

impl Alert {
    /// The notification's title and body, from the message catalogue.
    pub fn text(&self) -> (String, String) {
        match *self {
            Alert::NeedsAttention { count } => (
                catalogue::text("notify.attention.title", &[]),
                catalogue::plural("notify.attention", count, &[]),
            ),
            Alert::Waiting { count } => (
                catalogue::text("notify.stale.title", &[]),
                catalogue::plural(
                    "sync.stale",
                    count,
                    &[("days".to_owned(), STALE_AFTER_DAYS.to_string())],
                ),
            ),
            Alert::Decided { count, more_info } => (
                catalogue::text("notify.reviewed.title", &[]),
                if more_info > 0 {
                    catalogue::plural("notify.more_info", more_info, &[])
                } else {
                    catalogue::plural("notify.reviewed", count, &[])
                },
            ),
        }
    }
}

/// What the clerk has been told so far.
#[derive(Debug, Default)]
pub struct Alerts {
    /// Claims needing attention when last looked at.
    attention_seen: u64,
    /// When the clerk was last reminded of waiting claims.
    reminded_at: Option<Instant>,
}

impl Alerts {
    /// The notifications to raise for the queue `outbox`, given whether the window has the
    /// keyboard (`focused`: then the window itself shows everything, and nothing is raised).
    /// Refusals are announced when their number grows; waiting claims at most once per
    /// [`REMIND_WAITING_EVERY`] while there are any.
    pub fn plan(&mut self, outbox: &OutboxSummary, focused: bool, now: Instant) -> Vec<Alert> {
        let mut alerts = Vec::new();
        if outbox.needs_attention > self.attention_seen && !focused {
            alerts.push(Alert::NeedsAttention {
                count: outbox.needs_attention,
            });
        }
        self.attention_seen = outbox.needs_attention;
        if outbox.stale == 0 {
            self.reminded_at = None;
        } else if !focused
            && self
                .reminded_at
                .is_none_or(|at| now.duration_since(at) >= REMIND_WAITING_EVERY)
        {
            alerts.push(Alert::Waiting {
                count: outbox.stale,
            });
            self.reminded_at = Some(now);
        }
        alerts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions_raise_one_notification_naming_what_the_clerk_must_answer() {
        assert_eq!(decided([]), None);
        assert_eq!(
            decided(["approved", "more_info_needed", "in_review"]),
            Some(Alert::Decided {
                count: 3,
                more_info: 1
            })
        );
        let (_, body) = Alert::Decided {
            count: 2,
            more_info: 0,
        }
        .text();
        assert!(body.contains('2'), "{body}");
    }

    fn outbox(needs_attention: u64, stale: u64) -> OutboxSummary {
        OutboxSummary {
            needs_attention,
            stale,
            ..OutboxSummary::default()
        }
    }

    #[test]
    fn a_new_refusal_is_announced_once_and_only_while_the_window_is_elsewhere() {
        let mut a = Alerts::default();
        let t = Instant::now();
        assert_eq!(
            a.plan(&outbox(1, 0), false, t),
            [Alert::NeedsAttention { count: 1 }]
        );
        assert!(a.plan(&outbox(1, 0), false, t).is_empty(), "told already");
        // Seen in the window: a refusal that comes while it has the keyboard raises nothing.
        assert!(a.plan(&outbox(2, 0), true, t).is_empty());
        assert!(a.plan(&outbox(2, 0), false, t).is_empty());
        assert_eq!(
            a.plan(&outbox(3, 0), false, t),
            [Alert::NeedsAttention { count: 3 }]
        );
        // Fixed, then refused again: announced again.
        assert!(a.plan(&outbox(0, 0), false, t).is_empty());
        assert_eq!(
            a.plan(&outbox(1, 0), false, t),
            [Alert::NeedsAttention { count: 1 }]
        );
    }

    #[test]
    fn claims_waiting_too_long_are_recalled_at_most_once_a_day() {
        let mut a = Alerts::default();
        let t = Instant::now();
        assert!(
            a.plan(&outbox(0, 2), true, t).is_empty(),
            "the window shows it"
        );
        assert_eq!(
            a.plan(&outbox(0, 2), false, t),
            [Alert::Waiting { count: 2 }]
        );
        let hour = Duration::from_secs(3600);
        assert!(a.plan(&outbox(0, 2), false, t + hour).is_empty());
        assert_eq!(
            a.plan(&outbox(0, 3), false, t + REMIND_WAITING_EVERY),
            [Alert::Waiting { count: 3 }]
        );
        // Sent at last; a new backlog later is news again.
        assert!(a
            .plan(&outbox(0, 0), false, t + REMIND_WAITING_EVERY + hour)
            .is_empty());
        assert_eq!(
            a.plan(&outbox(0, 1), false, t + REMIND_WAITING_EVERY + 2 * hour),
            [Alert::Waiting { count: 1 }]
        );
    }

    #[test]
    fn the_texts_come_from_the_catalogue_with_their_numbers() {
        let (title, body) = Alert::NeedsAttention { count: 2 }.text();
        assert_eq!(title, "Claims need attention");
        assert!(body.contains('2') && !body.contains('{'), "{body}");
        let (_, body) = Alert::Waiting { count: 1 }.text();
        assert!(
            body.contains(&STALE_AFTER_DAYS.to_string()) && !body.contains('{'),
            "{body}"
        );
    }
}
