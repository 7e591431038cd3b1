//! When to try next: the sync engine's pacing as a pure function of what happened, tested
//! without timers. The engine ([`crate::engine`]) only executes what this decides.
//!
//! - After a pass that emptied the queue: look again after `idle`.
//! - After a pass stopped by the connection or the service: capped exponential backoff, each
//!   wait its step plus a random part of it (so devices that lost the same uplink do not
//!   return in step), never shorter than the service's `Retry-After`; knock every `probe`
//!   while the service could not be reached at all, so a connection coming back is used at
//!   once.
//! - After a pass stopped because sending is not set up or the token was refused: wait for
//!   the clerk (new settings or "Send now"), looking again only every [`SETTINGS_RECHECK`]
//!   (settings changed by another process, a token re-enabled) and showing no countdown.
//! - "Send now", new settings and the connection coming back start the backoff over; so does
//!   a pass that delivered something.

use std::time::Duration;

/// The pacing's knobs.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    /// The first wait.
    pub min: Duration,
    /// The longest step (a wait adds up to one more step of jitter).
    pub max: Duration,
    /// How often to knock (one preflight request) while the service cannot be reached, so
    /// that a connection coming back is used at once rather than when the backoff ends.
    pub probe: Duration,
    /// How often to look for new work when idle (claims queued by another process).
    pub idle: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            min: Duration::from_secs(2),
            max: Duration::from_secs(120),
            probe: Duration::from_secs(5),
            idle: Duration::from_secs(30),
        }
    }
}

/// How often to look again while only new settings can help.
pub const SETTINGS_RECHECK: Duration = Duration::from_secs(10 * 60);

/// Something the engine's loop should react to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wake {
    /// The clerk pressed "Send now": try at once, forget the backoff.
    SendNow,
    /// Settings changed: reload them, try at once.
    SettingsChanged,
    /// A claim was queued: send it if nothing says to wait.
    ClaimQueued,
    /// A claim left the queue (withdrawn): no pass, only the counts reported again.
    QueueChanged,
}

/// How a pass ended, as far as pacing cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PassOutcome {
    /// At least one claim was delivered (the connection works).
    pub delivered: bool,
    /// Why it stopped early, if it did.
    pub stop: Option<Stop>,
}

/// Why a pass stopped before the queue was empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// Only the clerk can fix it (no settings, refused token).
    NeedsSettings,
    /// The connection or the service; try again later.
    Trouble {
        /// The service could not be reached at all (not an upload cut half-way).
        unreachable: bool,
        /// How long the service asked us to wait.
        retry_after: Option<Duration>,
    },
}

/// What to do until the next pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wait {
    /// Pass again after this long; `None` waits for a [`Wake`] only.
    pub timer: Option<Duration>,
    /// Knock this often meanwhile, and pass as soon as the service answers.
    pub probe: Option<Duration>,
    /// Whether the clerk is shown the wait as "next try in …" (a retry after trouble, not
    /// the idle look-around).
    pub is_retry: bool,
}

impl Wait {
    /// Pass at once.
    pub const NOW: Wait = Wait {
        timer: Some(Duration::ZERO),
        probe: None,
        is_retry: false,
    };

    /// Whether the pass is due without waiting.
    pub fn is_now(&self) -> bool {
        self.timer == Some(Duration::ZERO)
    }
}

/// The pacing state: how far the backoff has gone and whether the clerk asked for a pass.
#[derive(Debug, Clone)]
pub struct Schedule {
    backoff: Backoff,
    /// Failed passes since the backoff last started over.
    failures: u32,
    /// The next pass was asked for (Send now, new settings), so it runs even with automatic
    /// sending off.
    asked: bool,
}

impl Schedule {
    /// A schedule whose first pass is due at once.
    pub fn new(backoff: Backoff) -> Self {
        Self {
            backoff,
            failures: 0,
            asked: false,
        }
    }

    /// Whether a due pass should run: always with automatic sending on, otherwise only when
    /// the clerk asked for it.
    pub fn should_pass(&self, auto_send: bool) -> bool {
        auto_send || self.asked
    }

    /// The wait while automatic sending is off and nobody asked.
    pub fn idle(&self) -> Wait {
        Wait {
            timer: Some(self.backoff.idle),
            probe: None,
            is_retry: false,
        }
    }

    /// Decides the wait after a pass. `jitter` is a random number in `[0, 1)`.
    pub fn after_pass(&mut self, outcome: PassOutcome, jitter: f64) -> Wait {
        self.asked = false;
        if outcome.delivered {
            self.failures = 0;
        }
        match outcome.stop {
            None => {
                self.failures = 0;
                Wait {
                    timer: Some(self.backoff.idle),
                    probe: None,
                    is_retry: false,
                }
            }
            Some(Stop::NeedsSettings) => Wait {
                timer: Some(SETTINGS_RECHECK),
                probe: None,
                is_retry: false,
            },
            Some(Stop::Trouble {
                unreachable,
                retry_after,
            }) => {
                let step = self.step(self.failures);
                self.failures = self.failures.saturating_add(1);
                let jitter = jitter.clamp(0.0, 1.0);
                let next = step + step.mul_f64(jitter);
                let wait = retry_after.map_or(next, |r| r.max(next));
                Wait {
                    timer: Some(wait),
                    probe: (unreachable && self.backoff.probe < wait).then_some(self.backoff.probe),
                    is_retry: true,
                }
            }
        }
    }

    /// A wake-up while waiting: `true` means pass now. A queued claim goes out at once only
    /// while the service is reachable (`online`); during trouble it waits its turn.
    pub fn on_wake(&mut self, wake: Wake, online: bool) -> bool {
        match wake {
            Wake::SendNow | Wake::SettingsChanged => {
                self.failures = 0;
                self.asked = true;
                true
            }
            Wake::ClaimQueued => online,
            Wake::QueueChanged => false,
        }
    }

    /// The service answered a knock: the connection is back, start the backoff over.
    pub fn on_back(&mut self) {
        self.failures = 0;
    }

    /// The backoff step after `failures` failed passes: `min · 2^failures`, at most `max`.
    fn step(&self, failures: u32) -> Duration {
        let factor = 2u32.saturating_pow(failures.min(31));
        self.backoff
            .min
            .checked_mul(factor)
            .map_or(self.backoff.max, |d| d.min(self.backoff.max))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    fn backoff() -> Backoff {
        Backoff {
            min: secs(2),
            max: secs(60),
            probe: secs(5),
            idle: secs(30),
        }
    }

    fn trouble(unreachable: bool) -> PassOutcome {
        PassOutcome {
            delivered: false,
            stop: Some(Stop::Trouble {
                unreachable,
                retry_after: None,
            }),
        }
    }

    #[test]
    fn trouble_backs_off_exponentially_up_to_the_cap() {
        let mut s = Schedule::new(backoff());
        let waits: Vec<_> = (0..8)
            .map(|_| s.after_pass(trouble(false), 0.0).timer)
            .collect();
        let expected = [2, 4, 8, 16, 32, 60, 60, 60].map(|n| Some(secs(n)));
        assert_eq!(waits, expected);
    }

    #[test]
    fn jitter_adds_up_to_one_more_step() {
        let mut s = Schedule::new(backoff());
        assert_eq!(s.after_pass(trouble(false), 0.5).timer, Some(secs(3)));
        assert_eq!(
            s.after_pass(trouble(false), 0.999_999)
                .timer
                .map(|d| d.as_secs()),
            Some(7)
        );
        // Nonsense from the random source never shortens or explodes a wait.
        assert_eq!(s.after_pass(trouble(false), -3.0).timer, Some(secs(8)));
        assert_eq!(s.after_pass(trouble(false), 9.0).timer, Some(secs(32)));
    }

    #[test]
    fn a_pass_that_empties_the_queue_idles_and_starts_the_backoff_over() {
        let mut s = Schedule::new(backoff());
        s.after_pass(trouble(false), 0.0);
        s.after_pass(trouble(false), 0.0);
        let idle = s.after_pass(PassOutcome::default(), 0.0);
        assert_eq!(
            idle,
            Wait {
                timer: Some(secs(30)),
                probe: None,
                is_retry: false
            }
        );
        assert_eq!(s.after_pass(trouble(false), 0.0).timer, Some(secs(2)));
    }

    #[test]
    fn delivering_something_before_trouble_starts_the_backoff_over() {
        let mut s = Schedule::new(backoff());
        for _ in 0..4 {
            s.after_pass(trouble(false), 0.0);
        }
        let partly = PassOutcome {
            delivered: true,
            ..trouble(false)
        };
        assert_eq!(s.after_pass(partly, 0.0).timer, Some(secs(2)));
    }

    #[test]
    fn the_service_asking_to_wait_is_honoured_but_never_shortens_the_backoff() {
        let mut s = Schedule::new(backoff());
        let busy = |after| PassOutcome {
            delivered: false,
            stop: Some(Stop::Trouble {
                unreachable: false,
                retry_after: Some(secs(after)),
            }),
        };
        assert_eq!(s.after_pass(busy(45), 0.0).timer, Some(secs(45)));
        assert_eq!(s.after_pass(busy(1), 0.0).timer, Some(secs(4)));
    }

    #[test]
    fn only_an_unreachable_service_is_knocked_on() {
        let mut s = Schedule::new(backoff());
        // First wait (2 s) is shorter than the knock interval: nothing to knock.
        assert_eq!(s.after_pass(trouble(true), 0.0).probe, None);
        assert_eq!(s.after_pass(trouble(true), 0.0).probe, None);
        assert_eq!(s.after_pass(trouble(true), 0.0).probe, Some(secs(5)));
        // An upload cut half-way (flaky link): spare the uplink, no knocking.
        assert_eq!(s.after_pass(trouble(false), 0.0).probe, None);
    }

    #[test]
    fn missing_settings_wait_for_the_clerk_with_no_countdown() {
        let mut s = Schedule::new(backoff());
        let wait = s.after_pass(
            PassOutcome {
                delivered: false,
                stop: Some(Stop::NeedsSettings),
            },
            0.5,
        );
        // A long, quiet look-again (another process may fix the settings); nothing for the
        // status bar to count down.
        assert_eq!(
            wait,
            Wait {
                timer: Some(SETTINGS_RECHECK),
                probe: None,
                is_retry: false
            }
        );
        assert!(s.on_wake(Wake::SettingsChanged, false));
    }

    #[test]
    fn send_now_and_new_settings_go_at_once_and_forget_the_backoff() {
        for wake in [Wake::SendNow, Wake::SettingsChanged] {
            let mut s = Schedule::new(backoff());
            for _ in 0..5 {
                s.after_pass(trouble(false), 0.0);
            }
            assert!(s.on_wake(wake, false));
            assert_eq!(s.after_pass(trouble(false), 0.0).timer, Some(secs(2)));
        }
    }

    #[test]
    fn a_queued_claim_goes_at_once_only_while_the_service_is_reachable() {
        let mut s = Schedule::new(backoff());
        assert!(s.on_wake(Wake::ClaimQueued, true));
        s.after_pass(trouble(false), 0.0);
        s.after_pass(trouble(false), 0.0);
        assert!(!s.on_wake(Wake::ClaimQueued, false));
        assert!(
            !s.on_wake(Wake::QueueChanged, true),
            "a withdrawal starts no pass"
        );
        // ...and it did not reset the backoff.
        assert_eq!(s.after_pass(trouble(false), 0.0).timer, Some(secs(8)));
    }

    #[test]
    fn the_connection_coming_back_starts_the_backoff_over() {
        let mut s = Schedule::new(backoff());
        for _ in 0..5 {
            s.after_pass(trouble(true), 0.0);
        }
        s.on_back();
        assert_eq!(s.after_pass(trouble(true), 0.0).timer, Some(secs(2)));
    }

    #[test]
    fn with_automatic_sending_off_only_an_asked_pass_runs() {
        let mut s = Schedule::new(backoff());
        assert!(s.should_pass(true));
        assert!(!s.should_pass(false));
        assert_eq!(s.idle().timer, Some(secs(30)));
        assert!(s.on_wake(Wake::SendNow, true));
        assert!(s.should_pass(false));
        s.after_pass(PassOutcome::default(), 0.0);
        assert!(!s.should_pass(false), "one press, one pass");
        // A queued claim does not override the clerk's choice.
        s.on_wake(Wake::ClaimQueued, true);
        assert!(!s.should_pass(false));
    }
}
