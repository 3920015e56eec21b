//! A small matchmaking event for the web tests: four participants of cluster alpha (the
//! member account's organisation among them, one foreign without CVR, one only there in the
//! morning) and four accepted meeting requests, open for scheduling.

use klynge_domain::{
    CountryCode, Email, Event, EventId, EventParticipant, EventStatus, MeetingRequest,
    MeetingRequestId, Name, Organisation, OrganisationKind, Registration, RequestStatus, Slot,
};
use klynge_store::EventsView;

use super::{App, day};

pub struct SmallEvent {
    pub id: EventId,
    /// The organiser's view (cluster alpha).
    pub view: EventsView,
    /// A meeting with the participant who is only there in the morning.
    pub morning_meeting: MeetingRequestId,
    pub morning_name: &'static str,
    /// A slot position in the afternoon.
    pub afternoon_slot: u32,
    /// A meeting between two participants who are there all day, neither of them the member.
    pub free_meeting: MeetingRequestId,
    /// Someone the member's participant meets.
    pub partner_name: &'static str,
}

fn name(text: &str) -> Name {
    Name::parse(text).expect("name")
}

pub async fn seed_small_event(app: &App) -> SmallEvent {
    let alpha = app.store.cluster_by_slug("alpha").await.expect("alpha").id;
    let view = app.store.cluster(alpha).await.expect("cluster").events();
    let slots = Slot::parse_lines(
        "09:00-09:20\n09:20-09:40\n09:40-10:00\n10:00-11:00 pause\n11:00-11:20\n11:20-11:40",
    )
    .expect("slots");
    let id = view
        .create_event(&Event {
            cluster: alpha,
            name: name("Robotdag"),
            place: "Odense".into(),
            held_on: day(2027, 3, 1),
            slots,
            tables: 3,
            table_names: vec!["Lokale A".into()],
            status: EventStatus::Open,
        })
        .await
        .expect("event");
    let foreign = app
        .store
        .create_organisation(&Organisation {
            name: name("Lyon Bio Innovation SAS"),
            kind: OrganisationKind::Company,
            registration: Registration::foreign(CountryCode::parse("FR").expect("FR"), None)
                .expect("foreign"),
            employment: None,
            industry: None,
        })
        .await
        .expect("foreign organisation");
    let people = [
        ("Mette Medlem", "mette@example.dk", app.org, None),
        (
            "Morten Morgen",
            "morten@example.dk",
            app.other_org,
            Some(vec![0, 1, 2]),
        ),
        ("Anna Andersen", "anna@example.fr", foreign, None),
        ("Bente Bach", "bente@example.dk", app.other_org, None),
    ];
    let mut ids = Vec::new();
    for (n, email, organisation, available) in people {
        ids.push(
            view.add_participant(
                id,
                &EventParticipant {
                    organisation,
                    name: name(n),
                    email: Email::parse(email).expect("email"),
                    available,
                    max_meetings: None,
                },
            )
            .await
            .expect("participant"),
        );
    }
    let mut requests = Vec::new();
    for (from, to) in [(0, 1), (0, 2), (2, 3), (3, 1)] {
        requests.push(
            view.add_request(
                id,
                &MeetingRequest {
                    from: ids[from],
                    to: ids[to],
                    message: "Lad os mødes".into(),
                    priority: 3,
                    status: RequestStatus::Accepted,
                },
            )
            .await
            .expect("request"),
        );
    }
    SmallEvent {
        id,
        view,
        morning_meeting: requests[0],
        morning_name: "Morten Morgen",
        afternoon_slot: 4,
        free_meeting: requests[2],
        partner_name: "Anna Andersen",
    }
}

/// A slot position and table, other than where it is, to which `meeting` can move: the
/// table is free and neither participant has another meeting in the slot.
pub async fn free_place(
    view: &EventsView,
    event: EventId,
    meeting: MeetingRequestId,
) -> (u32, u32) {
    let record = view.event(event).await.expect("event");
    let placements = view.placements(event).await.expect("placements");
    let me = placements
        .iter()
        .find(|p| p.request == meeting)
        .copied()
        .expect("the meeting is placed");
    for slot in record.event.meeting_slots() {
        let busy = placements.iter().any(|p| {
            p.request != meeting && p.slot == slot && p.with.iter().any(|w| me.with.contains(w))
        });
        if busy {
            continue;
        }
        for table in 0..record.event.tables {
            let taken = placements
                .iter()
                .any(|p| p.request != meeting && p.slot == slot && p.table == table);
            if !taken && (slot, table) != (me.slot, me.table) {
                return (slot, table);
            }
        }
    }
    panic!("no free place for meeting {meeting}");
}
