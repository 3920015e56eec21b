//! Demo matchmaking events (issue 6): for each cluster asked for, a B2B day that is to be
//! scheduled and published (20 slots with a lunch break, a few named tables, 30–60
//! participants from member organisations and two foreign ones, meeting requests with
//! priorities and messages, most accepted, some declined or still open) and a later event
//! that is open and taking requests. Deterministic like the rest of the demo; the binary
//! stores them through the organiser's view and runs the scheduler on the first.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Days, NaiveDate, NaiveTime};
use klynge_domain::{
    ClusterId, Email, Event, EventParticipant, EventStatus, Name, OrganisationId, Registration,
    RequestStatus, Slot,
};
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::{DemoData, NATIONAL_CLUSTERS, names};

/// A meeting request between two participants of a [`DemoEvent`], by their position in
/// `participants`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoRequest {
    pub from: usize,
    pub to: usize,
    pub message: String,
    pub priority: u32,
    pub status: RequestStatus,
}

/// An event with everything registered for it. `event.status` is where it ends: a
/// `Published` event is scheduled by the loader before it is published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoEvent {
    pub event: Event,
    pub participants: Vec<EventParticipant>,
    pub requests: Vec<DemoRequest>,
}

const MESSAGES: &[&str] = &[
    "Vi vil gerne høre om jeres erfaringer med test i fuld skala.",
    "Kunne I være interesseret i et fælles projekt om grøn omstilling?",
    "Vi søger en underleverandør og tror, jeres løsning passer.",
    "Vi har en ansøgning til Innobooster på vej og mangler en partner.",
    "Lad os tale om data og digitale tvillinger.",
    "We are looking for a Danish partner for a Horizon Europe proposal.",
    "Could we discuss a pilot at one of your sites?",
    "Vi vil gerne vise jer vores prototype.",
    "",
    "",
];

const PLACES: &[&str] = &[
    "Odense Congress Center",
    "Aarhus Universitet, Navitas",
    "DGI-Byen, København",
    "Musikkens Hus, Aalborg",
];

const TABLE_NAMES: &[&str] = &["Lokale A", "Lokale B", "Fjordbordet", "Pressebordet"];

fn time(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap_or(NaiveTime::MIN)
}

/// Meetings of `minutes` from `from` until `to` (exclusive end), back to back.
fn slots_between(from: (u32, u32), to: (u32, u32), minutes: u32, out: &mut Vec<Slot>) {
    let mut start = from.0 * 60 + from.1;
    let end = to.0 * 60 + to.1;
    while start + minutes <= end {
        out.push(Slot {
            starts_at: time(start / 60, start % 60),
            ends_at: time((start + minutes) / 60, (start + minutes) % 60),
            is_break: false,
        });
        start += minutes;
    }
}

/// 09:00–12:00 and 13:00–16:20 in 20-minute meetings with a lunch break: 20 slots.
fn b2b_day() -> Vec<Slot> {
    let mut slots = Vec::new();
    slots_between((9, 0), (12, 0), 20, &mut slots);
    slots.push(Slot {
        starts_at: time(12, 0),
        ends_at: time(13, 0),
        is_break: true,
    });
    slots_between((13, 0), (16, 20), 20, &mut slots);
    slots
}

/// 13:00–17:00 in 20-minute meetings: an afternoon.
fn afternoon() -> Vec<Slot> {
    let mut slots = Vec::new();
    slots_between((13, 0), (17, 0), 20, &mut slots);
    slots
}

fn name(text: &str) -> Name {
    crate::name(text)
}

fn ascii_local(text: &str) -> String {
    text.to_lowercase()
        .replace('ø', "oe")
        .replace('æ', "ae")
        .replace('å', "aa")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
        .collect()
}

/// Who may come for an organisation: its contacts in the cluster (name and e-mail).
type Contacts = BTreeMap<OrganisationId, Vec<(Name, Email)>>;

fn contacts_of(data: &DemoData, cluster: ClusterId) -> Contacts {
    let mut out: Contacts = BTreeMap::new();
    for (_, p) in data.persons.iter().filter(|(_, p)| p.cluster == cluster) {
        if let Some(email) = &p.email {
            out.entry(p.organisation)
                .or_default()
                .push((p.name.clone(), email.clone()));
        }
    }
    out
}

struct Builder<'a> {
    rng: ChaCha8Rng,
    data: &'a DemoData,
    contacts: Contacts,
}

impl Builder<'_> {
    /// A person for `org`: one of its contacts, or a made-up one (foreign organisations
    /// have no contacts in the cluster's CRM). `taken` keeps the e-mails unique per event.
    fn person(
        &mut self,
        org: OrganisationId,
        domain: &str,
        taken: &mut BTreeSet<String>,
    ) -> (Name, Email) {
        if let Some(list) = self.contacts.get(&org)
            && let Some((n, e)) = list.iter().find(|(_, e)| !taken.contains(e.as_str()))
        {
            taken.insert(e.as_str().to_string());
            return (n.clone(), e.clone());
        }
        loop {
            let first = *names::FIRST_NAMES.choose(&mut self.rng).unwrap_or(&"Anne");
            let last = *names::SURNAMES.choose(&mut self.rng).unwrap_or(&"Jensen");
            let local = format!("{}.{}", ascii_local(first), ascii_local(last));
            let address = format!("{local}.{}@example.{domain}", org.0);
            if taken.insert(address.clone())
                && let Ok(email) = Email::parse(&address)
            {
                return (name(&format!("{first} {last}")), email);
            }
        }
    }

    /// The cluster's current member organisations (members on `on`), in id order.
    fn members(&self, cluster: ClusterId, on: NaiveDate) -> Vec<OrganisationId> {
        let set: BTreeSet<OrganisationId> = self
            .data
            .memberships
            .iter()
            .filter(|m| m.cluster == cluster && m.period.contains(on))
            .map(|m| m.organisation)
            .collect();
        if set.len() >= 30 {
            return set.into_iter().collect();
        }
        // Demo memberships end in 2025; on a later day take everyone who was a member.
        self.data
            .memberships
            .iter()
            .filter(|m| m.cluster == cluster)
            .map(|m| m.organisation)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    }

    fn foreign(&mut self, count: usize) -> Vec<(OrganisationId, String)> {
        let all: Vec<(OrganisationId, String)> = self
            .data
            .organisations
            .iter()
            .filter_map(|(id, o)| match &o.registration {
                Registration::Foreign { country, .. } => {
                    Some((*id, country.as_str().to_lowercase()))
                }
                Registration::Danish { .. } => None,
            })
            .collect();
        all.choose_multiple(&mut self.rng, count).cloned().collect()
    }

    /// Participants: `featured` first (if any), then members, then two foreign
    /// organisations; about one in eight only in the morning or the afternoon, some with a
    /// cap on meetings.
    fn participants(
        &mut self,
        event: &Event,
        members: &[OrganisationId],
        featured: Option<OrganisationId>,
        count: usize,
    ) -> Vec<EventParticipant> {
        let mut orgs: Vec<OrganisationId> = members
            .iter()
            .copied()
            .filter(|o| Some(*o) != featured)
            .collect();
        orgs.shuffle(&mut self.rng);
        orgs.truncate(count.saturating_sub(2 + usize::from(featured.is_some())));
        let mut chosen: Vec<(OrganisationId, String)> = featured
            .into_iter()
            .map(|o| (o, "dk".to_string()))
            .collect();
        chosen.extend(orgs.into_iter().map(|o| (o, "dk".to_string())));
        chosen.extend(self.foreign(2));
        let meeting_slots = event.meeting_slots();
        let half = meeting_slots.len() / 2;
        let mut taken = BTreeSet::new();
        chosen
            .into_iter()
            .enumerate()
            .map(|(i, (org, domain))| {
                let (name, email) = self.person(org, &domain, &mut taken);
                let roll = self.rng.random_range(0..100);
                // The featured organisation is there all day, so its agenda is full.
                let available = match roll {
                    _ if i == 0 && featured.is_some() => None,
                    0..6 => Some(meeting_slots[..half].to_vec()),
                    6..12 => Some(meeting_slots[half..].to_vec()),
                    _ => None,
                };
                let max_meetings = match self.rng.random_range(0..100) {
                    0..10 => Some(6),
                    10..20 => Some(8),
                    _ => None,
                };
                EventParticipant {
                    organisation: org,
                    name,
                    email,
                    available,
                    max_meetings,
                }
            })
            .collect()
    }

    /// Requests with skewed popularity: a few participants are asked by many. `answered`
    /// is the share (in %) of requests that have an answer; of those, nine in ten are
    /// accepted. The featured participant (position 0) asks and is asked a few times, with
    /// one request still waiting for its answer.
    fn requests(
        &mut self,
        n: usize,
        per_participant: (usize, usize),
        answered: u32,
    ) -> Vec<DemoRequest> {
        let weights: Vec<u32> = (0..n)
            .map(|i| match i % 10 {
                0 if i > 0 => 12,
                3 => 5,
                _ => 1 + self.rng.random_range(0..3),
            })
            .collect();
        let total: u32 = weights.iter().sum();
        let mut pairs = BTreeSet::new();
        let mut out = Vec::new();
        for from in 0..n {
            let wanted = self.rng.random_range(per_participant.0..=per_participant.1);
            let mut tries = 0;
            let mut made = 0;
            while made < wanted && tries < 50 {
                tries += 1;
                let mut pick = self.rng.random_range(0..total);
                let mut to = 0;
                while pick >= weights[to] {
                    pick -= weights[to];
                    to += 1;
                }
                if to == from || !pairs.insert((from.min(to), from.max(to))) {
                    continue;
                }
                made += 1;
                let status = if from != 0
                    && to == 0
                    && !out
                        .iter()
                        .any(|r: &DemoRequest| r.to == 0 && r.status == RequestStatus::Requested)
                {
                    RequestStatus::Requested
                } else if from == 0 || to == 0 || self.rng.random_range(0..100) < answered {
                    if self.rng.random_range(0..10) == 0 && from != 0 && to != 0 {
                        RequestStatus::Declined
                    } else {
                        RequestStatus::Accepted
                    }
                } else {
                    RequestStatus::Requested
                };
                out.push(DemoRequest {
                    from,
                    to,
                    message: MESSAGES.choose(&mut self.rng).unwrap_or(&"").to_string(),
                    priority: *[1, 2, 2, 3, 3, 3, 4, 5].choose(&mut self.rng).unwrap_or(&3),
                    status,
                });
            }
        }
        // The featured participant is asked by a few others too.
        let mut asked = 0;
        for to_featured in 1..n {
            if asked == 3 {
                break;
            }
            if pairs.insert((0, to_featured)) {
                asked += 1;
                out.push(DemoRequest {
                    from: to_featured,
                    to: 0,
                    message: MESSAGES[to_featured % MESSAGES.len()].to_string(),
                    priority: 3,
                    status: if out
                        .iter()
                        .any(|r| r.to == 0 && r.status == RequestStatus::Requested)
                    {
                        RequestStatus::Accepted
                    } else {
                        RequestStatus::Requested
                    },
                });
            }
        }
        out
    }
}

/// The demo events of the given clusters; `featured` (the demo member account's
/// organisation) is registered for both events of its cluster, so that account has an
/// agenda and requests to answer. `today` dates the events: the B2B day two weeks ahead,
/// the open event two months ahead.
pub fn demo_events(
    data: &DemoData,
    seed: u64,
    today: NaiveDate,
    clusters: &[(ClusterId, Option<OrganisationId>)],
) -> Vec<DemoEvent> {
    let mut out = Vec::new();
    for (cluster, featured) in clusters {
        let Some(nc) = usize::try_from(cluster.0 - 1)
            .ok()
            .and_then(|i| NATIONAL_CLUSTERS.get(i))
        else {
            continue;
        };
        let mut b = Builder {
            rng: ChaCha8Rng::seed_from_u64(seed ^ 0xE7E7 ^ ((cluster.0 as u64) << 8)),
            data,
            contacts: contacts_of(data, *cluster),
        };
        let members = b.members(*cluster, today);
        if members.len() < 10 {
            continue;
        }
        let day = today.checked_add_days(Days::new(14)).unwrap_or(today);
        let b2b = Event {
            cluster: *cluster,
            name: name(&format!("B2B-matchmaking: {}", nc.strength_area)),
            place: PLACES[(cluster.0 as usize) % PLACES.len()].to_string(),
            held_on: day,
            slots: b2b_day(),
            tables: 12,
            table_names: TABLE_NAMES.iter().map(|s| s.to_string()).collect(),
            status: EventStatus::Published,
        };
        let count = b.rng.random_range(30..=60).min(members.len() + 2);
        let participants = b.participants(&b2b, &members, *featured, count);
        let requests = b.requests(participants.len(), (2, 6), 85);
        out.push(DemoEvent {
            event: b2b,
            participants,
            requests,
        });

        let later = today.checked_add_days(Days::new(60)).unwrap_or(today);
        let open = Event {
            cluster: *cluster,
            name: name(&format!("Partnerskabsdag {}", later.format("%Y"))),
            place: PLACES[(cluster.0 as usize + 1) % PLACES.len()].to_string(),
            held_on: later,
            slots: afternoon(),
            tables: 8,
            table_names: Vec::new(),
            status: EventStatus::Open,
        };
        let count = b.rng.random_range(20..=30).min(members.len() + 2);
        let participants = b.participants(&open, &members, *featured, count);
        let requests = b.requests(participants.len(), (1, 3), 30);
        out.push(DemoEvent {
            event: open,
            participants,
            requests,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Scale, generate};

    #[test]
    fn demo_events_are_valid_and_deterministic() {
        let data = generate(7, Scale::Small);
        let today = NaiveDate::from_ymd_opt(2026, 12, 1).expect("date");
        let featured = data
            .memberships
            .iter()
            .find(|m| m.cluster == ClusterId(1))
            .map(|m| m.organisation);
        let clusters = [(ClusterId(1), featured), (ClusterId(2), None)];
        let events = demo_events(&data, 7, today, &clusters);
        assert_eq!(events, demo_events(&data, 7, today, &clusters));
        assert_eq!(events.len(), 4);
        for e in &events {
            e.event.validate().expect("valid event");
            let emails: BTreeSet<&str> = e.participants.iter().map(|p| p.email.as_str()).collect();
            assert_eq!(emails.len(), e.participants.len(), "e-mails are unique");
            for p in &e.participants {
                p.validate(&e.event).expect("valid participant");
            }
            let mut pairs = BTreeSet::new();
            for r in &e.requests {
                assert_ne!(r.from, r.to);
                assert!(r.from < e.participants.len() && r.to < e.participants.len());
                assert!((1..=5).contains(&r.priority));
                assert!(
                    pairs.insert((r.from.min(r.to), r.from.max(r.to))),
                    "one request per pair"
                );
            }
            let foreign = e
                .participants
                .iter()
                .filter(|p| {
                    matches!(
                        data.organisations[(p.organisation.0 - 1) as usize]
                            .1
                            .registration,
                        Registration::Foreign { .. }
                    )
                })
                .count();
            assert!(foreign >= 2, "two foreign organisations at least");
        }
        let b2b = &events[0];
        assert_eq!(b2b.event.slots.len(), 20);
        assert_eq!(b2b.event.slots.iter().filter(|s| s.is_break).count(), 1);
        assert!((30..=60).contains(&b2b.participants.len()));
        assert_eq!(Some(b2b.participants[0].organisation), featured);
        let accepted = |e: &DemoEvent, who: usize| {
            e.requests
                .iter()
                .filter(|r| (r.from == who || r.to == who) && r.status == RequestStatus::Accepted)
                .count()
        };
        assert!(accepted(b2b, 0) >= 3, "the featured member has meetings");
        assert!(
            b2b.requests
                .iter()
                .any(|r| r.status == RequestStatus::Declined)
        );
        assert!(
            events[1]
                .requests
                .iter()
                .any(|r| r.to == 0 && r.status == RequestStatus::Requested)
        );
        assert_eq!(events[1].event.status, EventStatus::Open);
    }
}
