//! Running the scheduler for an event: the scheduler's input built from the accepted
//! requests and the participants' availability, a background job whose progress a page
//! shows (refreshing without JavaScript, like the import progress), and the result written
//! back as placements through the organiser's [`EventsView`].
//!
//! Slots: the scheduler numbers only the slots that can hold meetings (breaks left out), so a
//! lunch break between two slots is no wait for it; `meeting_slots[k]` is the event's slot
//! position of the scheduler's slot `k`.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use chrono::Utc;
use klynge_domain::{EventId, EventParticipantId, MeetingRequestId, Placement, RequestStatus};
use klynge_scheduler::{
    Instance, InstanceInput, MeetingInput, Options, ParticipantInput, Phase, Progress, Solution,
    Stats,
};
use klynge_store::{
    EventRecord, EventsView, ParticipantRecord, RequestRecord, ScheduleFigures, StoreError,
};

/// The scheduler's input for an event, and the way back.
pub struct Built {
    pub input: InstanceInput,
    pub meeting_slots: Vec<u32>,
    requests: HashMap<String, MeetingRequestId>,
}

fn participant_key(id: i64) -> String {
    format!("p{id}")
}

fn meeting_key(id: MeetingRequestId) -> String {
    format!("r{}", id.0)
}

/// Every participant (with availability mapped to the scheduler's slots) and one meeting per
/// accepted request, weighted by its priority.
pub fn build_input(
    event: &EventRecord,
    participants: &[ParticipantRecord],
    requests: &[RequestRecord],
) -> Built {
    let meeting_slots = event.event.meeting_slots();
    let index_of = |pos: &u32| {
        meeting_slots
            .iter()
            .position(|s| s == pos)
            .map(|k| k as u32)
    };
    let participants = participants
        .iter()
        .map(|p| ParticipantInput {
            id: participant_key(p.id.0),
            available: p
                .participant
                .available
                .as_ref()
                .map(|v| v.iter().filter_map(index_of).collect()),
            max_meetings: p.participant.max_meetings,
        })
        .collect();
    let mut keys = HashMap::new();
    let meetings = requests
        .iter()
        .filter(|r| r.request.status == RequestStatus::Accepted)
        .map(|r| {
            keys.insert(meeting_key(r.id), r.id);
            MeetingInput {
                id: meeting_key(r.id),
                with: vec![
                    participant_key(r.request.from.0),
                    participant_key(r.request.to.0),
                ],
                priority: r.request.priority,
                allowed: None,
                fixed_slot: None,
                after: Vec::new(),
            }
        })
        .collect();
    Built {
        input: InstanceInput {
            name: event.event.name.as_str().to_string(),
            slots: meeting_slots.len() as u32,
            tables: event.event.tables,
            participants,
            meetings,
        },
        meeting_slots,
        requests: keys,
    }
}

impl Built {
    /// The current placements as a scheduler solution, for [`klynge_scheduler::reschedule`].
    pub fn previous(&self, placements: &[Placement]) -> Solution {
        let scheduled = placements
            .iter()
            .filter_map(|p| {
                let k = self.meeting_slots.iter().position(|s| *s == p.slot)?;
                Some(klynge_scheduler::Placement {
                    meeting: meeting_key(p.request),
                    slot: k as u32,
                    table: p.table,
                })
            })
            .collect();
        Solution {
            scheduled,
            unscheduled: Vec::new(),
            stats: Stats {
                scheduled: 0,
                priority_sum: 0,
                upper_bound: 0,
                breaks: 0,
                idle_slots: 0,
                breaks_lower_bound: 0,
                seconds: 0.0,
            },
        }
    }

    /// Identifies this scheduler input together with the meetings placed (`placed`: their
    /// keys), so that a run's proven bound on breaks is shown only while neither has
    /// changed; moving a placed meeting keeps it. FNV-1a, stable across versions and
    /// machines (the value is stored).
    fn fingerprint<'a>(&self, placed: impl Iterator<Item = &'a str>) -> i64 {
        const PRIME: u64 = 0x0000_0100_0000_01B3;
        let mut placed: Vec<&str> = placed.collect();
        placed.sort_unstable();
        let input = serde_json::to_vec(&self.input).unwrap_or_default();
        let mut hash: u64 = 0xCBF2_9CE4_8422_2325;
        for part in std::iter::once(input.as_slice()).chain(placed.iter().map(|k| k.as_bytes())) {
            for &byte in part.iter().chain(b"\n") {
                hash = (hash ^ u64::from(byte)).wrapping_mul(PRIME);
            }
        }
        hash as i64
    }

    /// The figures a solution is saved with; the proven bound on breaks only from a run
    /// from scratch (`fresh`), as a re-schedule's bound holds only with the kept meetings
    /// where they were.
    fn figures(&self, solution: &Solution, fresh: bool) -> ScheduleFigures {
        ScheduleFigures {
            scheduled_at: Utc::now(),
            priority_sum: solution.stats.priority_sum as i64,
            upper_bound: solution.stats.upper_bound as i64,
            breaks: solution.stats.breaks as i64,
            idle_slots: solution.stats.idle_slots as i64,
            breaks_lower_bound: if fresh {
                solution.stats.breaks_lower_bound as i64
            } else {
                0
            },
            fingerprint: self.fingerprint(solution.scheduled.iter().map(|p| p.meeting.as_str())),
        }
    }

    /// The solution as (request, slot position, table).
    pub fn placements(&self, solution: &Solution) -> Vec<(MeetingRequestId, u32, u32)> {
        solution
            .scheduled
            .iter()
            .filter_map(|p| {
                Some((
                    *self.requests.get(&p.meeting)?,
                    *self.meeting_slots.get(p.slot as usize)?,
                    p.table,
                ))
            })
            .collect()
    }
}

/// The breaks of the schedule as it stands (manual moves included) and a proven lower bound
/// on the breaks of any schedule holding the same meetings: the participants' floors
/// ([`klynge_scheduler::breaks_lower_bound`]), raised to the last run's proven bound while the
/// event's scheduler input and placed meetings are the run's, so the organiser sees how far
/// from optimal it can be. `None` when nothing is placed or the event is no valid scheduler input.
pub fn breaks_and_lower_bound(
    event: &EventRecord,
    participants: &[ParticipantRecord],
    requests: &[RequestRecord],
) -> Option<(u64, u64)> {
    let built = build_input(event, participants, requests);
    let instance = klynge_scheduler::Instance::new(&built.input).ok()?;
    let placements: Vec<Placement> = requests
        .iter()
        .filter(|r| r.request.status == RequestStatus::Accepted)
        .filter_map(|r| {
            let (slot, table) = r.placement?;
            Some(Placement {
                request: r.id,
                with: [r.request.from, r.request.to],
                slot,
                table,
            })
        })
        .collect();
    if placements.is_empty() {
        return None;
    }
    // Breaks as the scheduler counts them: on its slots, where lunch and other breaks are left
    // out, two meetings of a participant in non-adjacent slots.
    let mut slots_of: HashMap<EventParticipantId, Vec<usize>> = HashMap::new();
    for p in &placements {
        if let Some(k) = built.meeting_slots.iter().position(|s| *s == p.slot) {
            for who in p.with {
                slots_of.entry(who).or_default().push(k);
            }
        }
    }
    let breaks = slots_of
        .values_mut()
        .map(|slots| {
            slots.sort_unstable();
            slots.windows(2).filter(|w| w[1] > w[0] + 1).count() as u64
        })
        .sum();
    let solution = built.previous(&placements);
    let floors = klynge_scheduler::breaks_lower_bound(&instance, &solution);
    // The last run's bound, while the input and the placed meetings are those of the run.
    let keys: Vec<String> = placements.iter().map(|p| meeting_key(p.request)).collect();
    let fingerprint = built.fingerprint(keys.iter().map(String::as_str));
    let proven = event
        .schedule
        .filter(|f| f.fingerprint == fingerprint)
        .map_or(0, |f| u64::try_from(f.breaks_lower_bound).unwrap_or(0));
    Some((breaks, floors.max(proven).min(breaks)))
}

/// Why [`schedule_now`] saved no schedule.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("event {event} cannot be scheduled: {cause}")]
    Input { event: EventId, cause: String },
    #[error("the scheduler stopped: {0}")]
    Stopped(String),
}

/// Schedules an event from scratch and saves the result, waiting for it (for tools such as
/// the demo loader; the web runs [`start`] in the background). Set `options.max_iterations`
/// for a reproducible schedule.
pub async fn schedule_now(
    view: &EventsView,
    event: EventId,
    options: Options,
) -> Result<ScheduleFigures, RunError> {
    let record = view.event(event).await?;
    let participants = view.participants(event).await?;
    let requests = view.requests(event).await?;
    let built = build_input(&record, &participants, &requests);
    let instance = klynge_scheduler::Instance::new(&built.input).map_err(|e| RunError::Input {
        event,
        cause: e.to_string(),
    })?;
    let solution =
        tokio::task::spawn_blocking(move || klynge_scheduler::schedule(&instance, &options))
            .await
            .map_err(|e| RunError::Stopped(e.to_string()))?;
    let figures = built.figures(&solution, true);
    view.save_schedule(event, &built.placements(&solution), &figures)
        .await?;
    Ok(figures)
}

/// What the progress page shows.
#[derive(Debug, Clone, Default)]
pub struct Job {
    pub meetings: usize,
    pub phase: Option<Phase>,
    pub percent: u64,
    pub scheduled: usize,
    pub priority_sum: u64,
    pub upper_bound: u64,
    pub breaks: u64,
    /// `Ok` once saved; `Err` with the cause when it failed.
    pub done: Option<Result<(), String>>,
}

/// Running and finished jobs by (cluster, event); a finished job stays until the next run.
type Jobs = HashMap<(i64, i64), Arc<Mutex<Job>>>;

static JOBS: LazyLock<Mutex<Jobs>> = LazyLock::new(|| Mutex::new(HashMap::new()));

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A snapshot of the job of an event of the view's cluster.
pub fn job(view: &EventsView, event: EventId) -> Option<Job> {
    let jobs = lock(&JOBS);
    let job = jobs.get(&(view.cluster_id().0, event.0))?;
    let snapshot = lock(job).clone();
    Some(snapshot)
}

/// How long the scheduler may search: a second for a small event, more for big ones.
fn time_limit(meetings: usize) -> Duration {
    Duration::from_millis((1000 + meetings as u64 * 5).min(30_000))
}

/// Starts the scheduler in the background unless a run of this event is going. With `keep`,
/// the current placements stay where they are (re-scheduling after a cancellation).
pub fn start(
    view: EventsView,
    event: EventId,
    built: Built,
    instance: Instance,
    keep: Option<Solution>,
) -> bool {
    let job = Arc::new(Mutex::new(Job {
        meetings: built.input.meetings.len(),
        ..Job::default()
    }));
    {
        let mut jobs = lock(&JOBS);
        let key = (view.cluster_id().0, event.0);
        if jobs.get(&key).is_some_and(|j| lock(j).done.is_none()) {
            return false;
        }
        jobs.insert(key, job.clone());
    }
    let options = Options {
        time_limit: time_limit(built.input.meetings.len()),
        ..Options::default()
    };
    let fresh = keep.is_none();
    tokio::spawn(async move {
        let progress_job = job.clone();
        let solved = tokio::task::spawn_blocking(move || {
            let mut report = |p: &Progress| {
                let mut j = lock(&progress_job);
                j.phase = Some(p.phase);
                j.percent = (p.fraction * 100.0).clamp(0.0, 100.0) as u64;
                j.scheduled = p.scheduled;
                j.priority_sum = p.priority_sum;
                j.upper_bound = p.upper_bound;
                j.breaks = p.breaks;
            };
            match keep {
                Some(previous) => klynge_scheduler::reschedule_with_progress(
                    &instance,
                    &previous,
                    &options,
                    &mut report,
                ),
                None => klynge_scheduler::schedule_with_progress(&instance, &options, &mut report),
            }
        })
        .await;
        let done = match solved {
            Ok(solution) => {
                let figures = built.figures(&solution, fresh);
                view.save_schedule(event, &built.placements(&solution), &figures)
                    .await
                    .map_err(|e| e.to_string())
            }
            Err(e) => Err(format!("the scheduler stopped: {e}")),
        };
        if let Err(cause) = &done {
            tracing::error!(event = event.0, %cause, "scheduling failed");
        }
        let mut j = lock(&job);
        j.phase = Some(Phase::Done);
        j.percent = 100;
        j.done = Some(done);
    });
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use klynge_domain::{
        ClusterId, Email, Event, EventParticipant, EventStatus, MeetingRequest, Name,
        OrganisationId, Slot,
    };
    use klynge_store::{ParticipantRecord, RequestRecord};

    fn text<T, E: std::fmt::Display>(parsed: Result<T, E>) -> T {
        parsed.unwrap_or_else(|e| panic!("test value: {e}"))
    }

    /// Three participants meeting pairwise in three slots: each alone could hold its two
    /// meetings back to back (its floor is 0), but one of them always waits a slot.
    fn triangle() -> (EventRecord, Vec<ParticipantRecord>, Vec<RequestRecord>) {
        let event = EventRecord {
            id: EventId(1),
            event: Event {
                cluster: ClusterId(1),
                name: text(Name::parse("Trekant")),
                place: "Aarhus".into(),
                held_on: chrono::NaiveDate::from_ymd_opt(2027, 3, 1).unwrap_or_default(),
                slots: text(Slot::parse_lines("09:00-09:20\n09:20-09:40\n09:40-10:00")),
                tables: 1,
                table_names: Vec::new(),
                status: EventStatus::Scheduled,
            },
            schedule: None,
        };
        let participants = ["a", "b", "c"]
            .iter()
            .enumerate()
            .map(|(i, n)| ParticipantRecord {
                id: EventParticipantId(i as i64 + 1),
                participant: EventParticipant {
                    organisation: OrganisationId(i as i64 + 1),
                    name: text(Name::parse(n)),
                    email: text(Email::parse(&format!("{n}@example.dk"))),
                    available: None,
                    max_meetings: None,
                },
                organisation_name: n.to_string(),
                country: "DK".into(),
            })
            .collect();
        // ab in slot 0, bc in slot 1, ac in slot 2: a waits.
        let requests = [(1, 2, 0), (2, 3, 1), (1, 3, 2)]
            .iter()
            .enumerate()
            .map(|(i, &(from, to, slot))| RequestRecord {
                id: MeetingRequestId(i as i64 + 1),
                request: MeetingRequest {
                    from: EventParticipantId(from),
                    to: EventParticipantId(to),
                    message: String::new(),
                    priority: 1,
                    status: RequestStatus::Accepted,
                },
                from_name: String::new(),
                from_organisation: String::new(),
                to_name: String::new(),
                to_organisation: String::new(),
                placement: Some((slot, 0)),
                attendance: None,
            })
            .collect();
        (event, participants, requests)
    }

    #[test]
    fn a_runs_proven_bound_is_shown_while_the_event_is_unchanged() {
        let (mut event, mut participants, mut requests) = triangle();
        assert_eq!(
            breaks_and_lower_bound(&event, &participants, &requests),
            Some((1, 0)),
            "the floors alone see no break"
        );
        // A run from scratch proves the break (the exact search; a time limit, no cap).
        let built = build_input(&event, &participants, &requests);
        let instance = Instance::new(&built.input).unwrap_or_else(|e| panic!("{e}"));
        let options = Options {
            time_limit: Duration::from_secs(5),
            ..Options::default()
        };
        let solution = klynge_scheduler::schedule(&instance, &options);
        assert_eq!(solution.stats.breaks_lower_bound, 1);
        event.schedule = Some(built.figures(&solution, true));
        assert_eq!(
            breaks_and_lower_bound(&event, &participants, &requests),
            Some((1, 1))
        );
        // Moving a meeting keeps the same meetings: the bound stands.
        requests[0].placement = Some((1, 0));
        requests[1].placement = Some((0, 0));
        assert_eq!(
            breaks_and_lower_bound(&event, &participants, &requests),
            Some((1, 1))
        );
        // A re-schedule's bound is not stored (it holds only with the kept meetings).
        let mut rerun = event.clone();
        rerun.schedule = Some(built.figures(&solution, false));
        assert_eq!(
            breaks_and_lower_bound(&rerun, &participants, &requests),
            Some((1, 0))
        );
        // Changed availability: the run's bound may no longer hold, the floors remain.
        participants[0].participant.available = Some(vec![0, 1]);
        assert_eq!(
            breaks_and_lower_bound(&event, &participants, &requests),
            Some((1, 0))
        );
    }
}
