//! Matchmaking events on SQLite and PostgreSQL: the organiser's view of the own cluster's
//! events (another cluster's event is "not found"), registrations, requests and their rules,
//! the schedule with manual moves, and the participant's view.

mod common;

use chrono::{Duration, NaiveDate, Utc};
use klynge_domain::*;
use klynge_store::{NewUser, Principal, Role, ScheduleFigures, Store, StoreError};

fn cluster(slug: &str) -> Cluster {
    Cluster {
        slug: Slug::parse(slug).unwrap(),
        name: Name::parse(&format!("Cluster {slug}")).unwrap(),
        strength_area: Name::parse("Robotics").unwrap(),
        emerging: false,
    }
}

fn danish(name: &str) -> Organisation {
    Organisation {
        name: Name::parse(name).unwrap(),
        kind: OrganisationKind::Company,
        registration: Registration::Danish {
            cvr: None,
            municipality: None,
        },
        employment: None,
        industry: None,
    }
}

fn foreign(name: &str, country: &str) -> Organisation {
    Organisation {
        registration: Registration::foreign(CountryCode::parse(country).unwrap(), None).unwrap(),
        ..danish(name)
    }
}

async fn principal(
    store: &Store,
    login: &str,
    role: Role,
    cluster: Option<ClusterId>,
    org: Option<OrganisationId>,
) -> Principal {
    let id = store
        .create_user(&NewUser {
            login: login.into(),
            display_name: login.into(),
            password_hash: "x".into(),
            role,
            cluster,
            organisation: org,
        })
        .await
        .unwrap();
    let token = format!("token-{login}");
    store
        .create_session(&token, id, "csrf", Utc::now() + Duration::hours(1))
        .await
        .unwrap();
    store.session(&token).await.unwrap().unwrap().principal
}

fn event(cluster: ClusterId) -> Event {
    Event {
        cluster,
        name: Name::parse("Robot B2B").unwrap(),
        place: "Odense Congress Center".into(),
        held_on: NaiveDate::from_ymd_opt(2026, 9, 15).unwrap(),
        slots: Slot::parse_lines(
            "09:00-09:30\n09:30-10:00\n10:00-10:30\n12:00-13:00 pause\n13:00-13:30",
        )
        .unwrap(),
        tables: 2,
        table_names: vec!["Bord A".into()],
        status: EventStatus::Draft,
    }
}

fn person(org: OrganisationId, name: &str) -> EventParticipant {
    EventParticipant {
        organisation: org,
        name: Name::parse(name).unwrap(),
        email: Email::parse(&format!("{}@example.com", name.to_lowercase())).unwrap(),
        available: None,
        max_meetings: None,
    }
}

fn request(from: EventParticipantId, to: EventParticipantId) -> MeetingRequest {
    MeetingRequest {
        from,
        to,
        message: "Lad os tale om griberobotter; pris, levering".into(),
        priority: 3,
        status: RequestStatus::Requested,
    }
}

on_every_backend!(events_belong_to_their_cluster_and_follow_the_rules, |db| {
    let s = &db.store;
    let c1 = s.create_cluster(&cluster("robot")).await.unwrap();
    let c2 = s.create_cluster(&cluster("vand")).await.unwrap();
    let orgs = [
        s.create_organisation(&danish("Gribe ApS")).await.unwrap(),
        s.create_organisation(&danish("Svejs A/S")).await.unwrap(),
        s.create_organisation(&foreign("Robo GmbH", "DE"))
            .await
            .unwrap(),
        s.create_organisation(&foreign("Botnik AB", "SE"))
            .await
            .unwrap(),
    ];
    let staff1 = principal(s, "staff1", Role::ClusterStaff, Some(c1), None).await;
    let staff2 = principal(s, "staff2", Role::ClusterStaff, Some(c2), None).await;
    let member = principal(s, "member", Role::Member, Some(c1), Some(orgs[0])).await;
    let outsider = principal(s, "outsider", Role::Member, Some(c1), Some(orgs[1])).await;
    assert!(member.events(s).is_none() && staff1.participant_events(s).is_none());
    let v1 = staff1.events(s).unwrap();
    let v2 = staff2.events(s).unwrap();

    // Another cluster's event is refused on write and not found on read.
    assert!(matches!(
        v2.create_event(&event(c1)).await,
        Err(StoreError::OtherTenant { .. })
    ));
    let id = v1.create_event(&event(c1)).await.unwrap();
    assert_eq!(v1.events().await.unwrap().len(), 1);
    assert!(v2.events().await.unwrap().is_empty());
    assert!(matches!(
        v2.event(id).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        v2.participants(id).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        v2.add_participant(id, &person(orgs[0], "Eve")).await,
        Err(StoreError::NotFound { .. })
    ));
    let stored = v1.event(id).await.unwrap();
    assert_eq!(stored.event, event(c1));
    assert!(stored.schedule.is_none());

    // Registrations: availability must name meeting slots; one e-mail once per event.
    let mut bad = person(orgs[0], "Anna");
    bad.available = Some(vec![3]);
    assert!(matches!(
        v1.add_participant(id, &bad).await,
        Err(StoreError::Invalid(_))
    ));
    let mut anna = person(orgs[0], "Anna");
    anna.available = Some(vec![0, 1, 4]);
    let a = v1.add_participant(id, &anna).await.unwrap();
    assert!(matches!(
        v1.add_participant(id, &person(orgs[0], "Anna")).await,
        Err(StoreError::Conflict(_))
    ));
    let b = v1
        .add_participant(id, &person(orgs[1], "Bo"))
        .await
        .unwrap();
    let c = v1
        .add_participant(id, &person(orgs[2], "Clara"))
        .await
        .unwrap();
    let d = v1
        .add_participant(id, &person(orgs[3], "Dag"))
        .await
        .unwrap();
    let ps = v1.participants(id).await.unwrap();
    assert_eq!(ps.len(), 4);
    assert_eq!(ps.iter().find(|p| p.id == a).unwrap().participant, anna);
    assert_eq!(ps.iter().find(|p| p.id == c).unwrap().country, "DE");

    // Requests only while the event is open.
    assert!(matches!(
        v1.add_request(id, &request(a, b)).await,
        Err(StoreError::Conflict(_))
    ));
    v1.set_status(id, EventStatus::Open).await.unwrap();
    assert!(matches!(
        v1.set_status(id, EventStatus::Published).await,
        Err(StoreError::Conflict(_))
    ));
    let ab = v1.add_request(id, &request(a, b)).await.unwrap();
    assert!(matches!(
        v1.add_request(id, &request(a, a)).await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        v1.add_request(id, &request(a, b)).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        v1.add_request(id, &request(b, a)).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        v1.add_request(id, &request(a, EventParticipantId(9999)))
            .await,
        Err(StoreError::NotFound { .. })
    ));
    let ac = v1.add_request(id, &request(a, c)).await.unwrap();
    let cd = v1.add_request(id, &request(c, d)).await.unwrap();
    let bd = v1.add_request(id, &request(b, d)).await.unwrap();
    assert_eq!(v1.requests(id).await.unwrap().len(), 4);
    assert!(v2.requests(id).await.is_err());
    for r in [ab, ac, cd, bd] {
        v1.set_request_status(id, r, RequestStatus::Accepted)
            .await
            .unwrap();
    }
    v1.set_request_status(id, bd, RequestStatus::Declined)
        .await
        .unwrap();
    assert!(matches!(
        v1.set_request_status(id, bd, RequestStatus::Requested)
            .await,
        Err(StoreError::Conflict(_))
    ));

    // A schedule: declined requests cannot be placed; placements fit the slots.
    let figures = ScheduleFigures {
        scheduled_at: Utc::now(),
        priority_sum: 9,
        upper_bound: 9,
        breaks: 0,
        idle_slots: 0,
        breaks_lower_bound: 0,
        fingerprint: 0,
    };
    assert!(v1.save_schedule(id, &[(bd, 0, 0)], &figures).await.is_err());
    assert!(v1.save_schedule(id, &[(ab, 3, 0)], &figures).await.is_err());
    assert!(v2.save_schedule(id, &[(ab, 0, 0)], &figures).await.is_err());
    v1.save_schedule(id, &[(ab, 0, 0), (ac, 1, 0), (cd, 0, 1)], &figures)
        .await
        .unwrap();
    let rec = v1.event(id).await.unwrap();
    assert_eq!(rec.event.status, EventStatus::Scheduled);
    assert_eq!(rec.schedule.map(|f| f.priority_sum), Some(9));
    assert_eq!(v1.placements(id).await.unwrap().len(), 3);
    // Manual moves: conflicts write nothing.
    assert_eq!(
        v1.move_meeting(id, ab, 1, 1).await.unwrap(),
        Err(MoveConflict::DoubleBooked(a))
    );
    assert_eq!(
        v1.move_meeting(id, ab, 2, 0).await.unwrap(),
        Err(MoveConflict::Unavailable(a))
    );
    assert_eq!(
        v1.move_meeting(id, ab, 0, 1).await.unwrap(),
        Err(MoveConflict::TableTaken(cd))
    );
    assert_eq!(
        v1.move_meeting(id, ab, 3, 0).await.unwrap(),
        Err(MoveConflict::BreakSlot(3))
    );
    assert!(v2.move_meeting(id, ab, 4, 0).await.is_err());
    assert_eq!(v1.placements(id).await.unwrap()[0].slot, 0);
    assert_eq!(v1.move_meeting(id, ab, 4, 1).await.unwrap(), Ok(()));
    let moved = v1.placements(id).await.unwrap();
    assert!(
        moved
            .iter()
            .any(|p| p.request == ab && p.slot == 4 && p.table == 1)
    );
    // A slot change that would break the schedule is refused.
    let mut shorter = event(c1);
    shorter.slots.truncate(2);
    assert!(matches!(
        v1.update_event(id, &shorter).await,
        Err(StoreError::Conflict(_))
    ));
    let mut renamed = event(c1);
    renamed.name = Name::parse("Robot B2B 2026").unwrap();
    v1.update_event(id, &renamed).await.unwrap();
    assert!(v2.update_event(id, &renamed).await.is_err());

    let f = v1.figures(id).await.unwrap();
    assert_eq!(
        (
            f.participants,
            f.requested,
            f.accepted,
            f.scheduled,
            f.held,
            f.organisations,
            f.countries
        ),
        (4, 4, 3, 3, 0, 4, 3)
    );

    // The participant's side: nothing before publication, then the own agenda only.
    let me = member.participant_events(s).unwrap();
    let other = outsider.participant_events(s).unwrap();
    assert_eq!(me.events().await.unwrap().len(), 1);
    assert!(me.agenda(id).await.unwrap().is_empty());
    v1.set_status(id, EventStatus::Published).await.unwrap();
    let agenda = me.agenda(id).await.unwrap();
    assert_eq!(
        agenda.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![ac, ab]
    );
    assert_eq!(me.requests(id).await.unwrap().len(), 2);
    // Anna (own) may ask Dag; may not answer a request made by her; Bo's organisation may.
    let ad = me.add_request(id, &request(a, d)).await.unwrap();
    assert!(
        me.add_request(id, &request(b, d)).await.is_err(),
        "not own participant"
    );
    let da = v1.add_request(id, &request(d, b)).await.unwrap();
    assert!(
        me.answer_request(id, da, RequestStatus::Accepted)
            .await
            .is_err()
    );
    assert!(
        other
            .answer_request(id, da, RequestStatus::Accepted)
            .await
            .is_ok()
    );
    assert!(
        other
            .answer_request(id, ad, RequestStatus::Accepted)
            .await
            .is_err()
    );
    me.answer_request(id, ad, RequestStatus::Cancelled)
        .await
        .unwrap();
    // Cancelling a placed meeting takes it out of the schedule.
    v1.set_request_status(id, ac, RequestStatus::Cancelled)
        .await
        .unwrap();
    assert_eq!(v1.placements(id).await.unwrap().len(), 2);
    v1.set_status(id, EventStatus::Closed).await.unwrap();
    // "Held" counts the meetings marked held, not the placed ones.
    assert_eq!(v1.figures(id).await.unwrap().held, 0);

    // A draft event of the cluster is not visible to the member; another cluster's never.
    let draft = v1.create_event(&event(c1)).await.unwrap();
    v1.add_participant(draft, &person(orgs[0], "Anna"))
        .await
        .unwrap();
    assert!(matches!(
        me.event(draft).await,
        Err(StoreError::NotFound { .. })
    ));
    let theirs = v2.create_event(&event(c2)).await.unwrap();
    assert!(matches!(
        me.event(theirs).await,
        Err(StoreError::NotFound { .. })
    ));
});

on_every_backend!(registrations_change_and_go_and_attendance_is_marked, |db| {
    let s = &db.store;
    let c1 = s.create_cluster(&cluster("robot")).await.unwrap();
    let c2 = s.create_cluster(&cluster("vand")).await.unwrap();
    let o1 = s.create_organisation(&danish("Gribe ApS")).await.unwrap();
    let o2 = s
        .create_organisation(&foreign("Robo GmbH", "DE"))
        .await
        .unwrap();
    let v1 = principal(s, "staff1", Role::ClusterStaff, Some(c1), None)
        .await
        .events(s)
        .unwrap();
    let v2 = principal(s, "staff2", Role::ClusterStaff, Some(c2), None)
        .await
        .events(s)
        .unwrap();
    let mut e = event(c1);
    e.status = EventStatus::Open;
    let id = v1.create_event(&e).await.unwrap();
    let a = v1.add_participant(id, &person(o1, "Anna")).await.unwrap();
    let b = v1.add_participant(id, &person(o2, "Bo")).await.unwrap();
    let c = v1.add_participant(id, &person(o1, "Clara")).await.unwrap();
    let accepted = |from, to| {
        let mut r = request(from, to);
        r.status = RequestStatus::Accepted;
        r
    };
    let ab = v1.add_request(id, &accepted(a, b)).await.unwrap();
    let bc = v1.add_request(id, &accepted(b, c)).await.unwrap();
    let ca = v1.add_request(id, &accepted(c, a)).await.unwrap();
    let figures = ScheduleFigures {
        scheduled_at: Utc::now(),
        priority_sum: 9,
        upper_bound: 9,
        breaks: 0,
        idle_slots: 0,
        breaks_lower_bound: 0,
        fingerprint: 0,
    };
    v1.save_schedule(id, &[(ab, 0, 0), (bc, 1, 0), (ca, 4, 0)], &figures)
        .await
        .unwrap();

    // Change Anna: a new name and e-mail, and a cap; the organisation stays.
    let mut anna = person(o2, "Anne");
    anna.max_meetings = Some(2);
    v1.update_participant(id, a, &anna).await.unwrap();
    let stored = v1.participant(id, a).await.unwrap();
    assert_eq!(stored.participant.name.as_str(), "Anne");
    assert_eq!(stored.participant.email.as_str(), "anne@example.com");
    assert_eq!(
        stored.participant.organisation, o1,
        "the organisation stays"
    );
    assert_eq!(stored.participant.max_meetings, Some(2));
    // Refused: availability without a slot where Anna has a meeting, a cap below her
    // meetings, an e-mail already registered, another cluster, an unknown participant.
    let mut morning = person(o1, "Anne");
    morning.available = Some(vec![0, 1, 2]);
    assert!(matches!(
        v1.update_participant(id, a, &morning).await,
        Err(StoreError::Conflict(_))
    ));
    let mut one = person(o1, "Anne");
    one.max_meetings = Some(1);
    assert!(matches!(
        v1.update_participant(id, a, &one).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        v1.update_participant(id, a, &person(o1, "Bo")).await,
        Err(StoreError::Conflict(_))
    ));
    let mut bad = person(o1, "Anne");
    bad.available = Some(vec![3]);
    assert!(matches!(
        v1.update_participant(id, a, &bad).await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        v2.update_participant(id, a, &anna).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        v1.update_participant(id, EventParticipantId(9999), &anna)
            .await,
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(
        v1.participant(id, a)
            .await
            .unwrap()
            .participant
            .name
            .as_str(),
        "Anne"
    );

    // Remove Clara: her requests and placed meetings go with her, in one transaction.
    assert!(matches!(
        v2.remove_participant(id, c).await,
        Err(StoreError::NotFound { .. })
    ));
    v1.remove_participant(id, c).await.unwrap();
    assert_eq!(v1.participants(id).await.unwrap().len(), 2);
    let left: Vec<_> = v1
        .requests(id)
        .await
        .unwrap()
        .iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(left, vec![ab]);
    let placed = v1.placements(id).await.unwrap();
    assert_eq!(placed.len(), 1);
    assert_eq!(placed[0].request, ab);
    assert!(matches!(
        v1.participant(id, c).await,
        Err(StoreError::NotFound { .. })
    ));

    // Attendance: not before the event's day has passed, then held / no-show / cleared.
    v1.set_status(id, EventStatus::Published).await.unwrap();
    let day = e.held_on;
    let after = day.succ_opt().unwrap();
    assert!(matches!(
        v1.set_attendance(id, ab, Some(Attendance::Held), day).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        v2.set_attendance(id, ab, Some(Attendance::Held), after)
            .await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        v1.set_attendance(id, bc, Some(Attendance::Held), after)
            .await,
        Err(StoreError::NotFound { .. })
    ));
    v1.set_attendance(id, ab, Some(Attendance::NoShow), after)
        .await
        .unwrap();
    let f = v1.figures(id).await.unwrap();
    assert_eq!((f.scheduled, f.held, f.no_show), (1, 0, 1));
    v1.set_attendance(id, ab, Some(Attendance::Held), after)
        .await
        .unwrap();
    let r = v1.requests(id).await.unwrap();
    assert_eq!(r[0].attendance, Some(Attendance::Held));
    let f = v1.figures(id).await.unwrap();
    assert_eq!((f.scheduled, f.held, f.no_show), (1, 1, 0));
    v1.set_attendance(id, ab, None, after).await.unwrap();
    assert_eq!(v1.figures(id).await.unwrap().held, 0);
    v1.set_attendance(id, ab, Some(Attendance::Held), after)
        .await
        .unwrap();

    // A re-schedule (after a cancellation on the day) keeps the mark of a meeting placed
    // again, in its new slot too.
    v1.save_schedule(id, &[(ab, 1, 0)], &figures).await.unwrap();
    let r = v1.requests(id).await.unwrap();
    assert_eq!(r[0].placement, Some((1, 0)));
    assert_eq!(r[0].attendance, Some(Attendance::Held));
    assert_eq!(v1.figures(id).await.unwrap().held, 1);
    v1.set_status(id, EventStatus::Published).await.unwrap();

    // Once closed: attendance still, registrations no longer change.
    v1.set_status(id, EventStatus::Closed).await.unwrap();
    v1.set_attendance(id, ab, Some(Attendance::Held), day)
        .await
        .unwrap();
    assert!(matches!(
        v1.update_participant(id, a, &anna).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        v1.remove_participant(id, b).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(v1.participants(id).await.unwrap().len(), 2);
    assert_eq!(v1.figures(id).await.unwrap().held, 1);
});
