//! Matchmaking events over real HTTP: the organiser creates an event, registers participants
//! (one foreign without CVR), adds and accepts meeting requests, runs the scheduler, reviews
//! the grid, moves a meeting by hand (conflicts refused, nothing written), publishes; the
//! participant reads the agenda and its `.ics` file; a cancellation is re-scheduled with every
//! other meeting kept in place. Bad input gives messages at the fields and writes nothing.

mod common;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use common::{Client, spawn};
use klynge_domain::EventId;
use reqwest::StatusCode;

fn between(text: &str, start: &str, end: &str) -> String {
    text.split(start)
        .nth(1)
        .and_then(|s| s.split(end).next())
        .unwrap_or_default()
        .to_string()
}

/// The value of the option whose label starts with `label` in a page's first select.
fn option_value(html: &str, label: &str) -> String {
    for piece in html.split("<option value=\"").skip(1) {
        let (value, rest) = piece.split_once('"').unwrap_or_default();
        let text = rest.split_once('>').map(|(_, t)| t).unwrap_or_default();
        if text.starts_with(label) {
            return value.to_string();
        }
    }
    panic!("no option {label}");
}

/// Ids after `marker` (e.g. `id="accept-`), in page order.
fn ids_after(html: &str, marker: &str) -> Vec<String> {
    html.split(marker)
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(str::to_string)
        .collect()
}

/// The organiser's placements, read through cluster alpha's events view.
async fn placements(app: &common::App, event: i64) -> HashMap<i64, (u32, u32)> {
    alpha_events(app)
        .await
        .placements(EventId(event))
        .await
        .expect("placements")
        .into_iter()
        .map(|p| (p.request.0, (p.slot, p.table)))
        .collect()
}

async fn alpha_events(app: &common::App) -> klynge_store::EventsView {
    let alpha = app.store.cluster_by_slug("alpha").await.expect("alpha").id;
    app.store.cluster(alpha).await.expect("cluster").events()
}

async fn wait_for_schedule(c: &mut Client, event: i64) {
    let started = Instant::now();
    loop {
        let (status, location, _, body) = c
            .get_full(&format!("/events/{event}/schedule/progress"))
            .await;
        if status == StatusCode::SEE_OTHER {
            assert_eq!(location, format!("/events/{event}/schedule"));
            return;
        }
        assert_eq!(status, StatusCode::OK, "{body:.500}");
        assert!(!body.contains("scheduler-failure"), "{body:.2000}");
        assert!(body.contains("http-equiv=\"refresh\""), "refreshes itself");
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "scheduler too slow"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

#[tokio::test]
async fn organiser_and_participant_flow() {
    let app = spawn().await;
    let mut c = Client::new(&app.base);
    c.sign_in("staff-a").await;

    // Bad event input: messages at the fields, nothing written.
    let (status, _, html) = c
        .post(
            "/events/new",
            &[
                ("name", " "),
                ("held_on", "2026-09-15"),
                ("slots", "09:00-09:30\n10:00-09:40"),
                ("tables", "0"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["name", "slots", "tables"] {
        assert!(
            html.contains(&format!("id=\"{field}-error\"")),
            "{field}: {html:.3000}"
        );
    }
    assert!(html.contains("10:00-09:40"), "input shown again");
    assert!(c.get("/events").await.1.contains("Ingen arrangementer"));

    let (status, location, _) = c
        .post(
            "/events/new",
            &[
                ("name", "Robot B2B"),
                ("place", "Odense Congress Center"),
                ("held_on", "15.09.2026"),
                (
                    "slots",
                    "09:00-09:30\n09:30-10:00\n10:00-10:30\n12:00-13:00 pause\n13:00-13:30",
                ),
                ("tables", "2"),
                ("table_names", "Lokale A"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let event: i64 = location
        .strip_prefix("/events/")
        .and_then(|s| s.parse().ok())
        .expect("event id");
    let page = format!("/events/{event}");
    assert!(c.get("/events").await.1.contains("Robot B2B"));
    // The edit form shows the date as it was typed in Danish.
    let form = c.get(&format!("{page}/edit")).await.1;
    assert!(form.contains("value=\"15.09.2026\""), "{form:.4000}");
    // Another cluster's staff do not find it.
    let mut b = Client::new(&app.base);
    b.sign_in("staff-b").await;
    assert_eq!(b.get(&page).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        b.get(&format!("{page}/schedule")).await.0,
        StatusCode::NOT_FOUND
    );
    let (status, _, _) = b
        .post(&format!("{page}/status"), &[("status", "open")])
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, _, _) = c
        .post(&format!("{page}/status"), &[("status", "open")])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(c.get(&page).await.1.contains("Åben for tilmelding"));

    // Registrations: a Danish organisation by id and by CVR, two foreign without CVR.
    let org = app.org.0.to_string();
    let add = format!("{page}/participants");
    let regs: Vec<Vec<(&str, &str)>> = vec![
        vec![
            ("name", "Anna Berg"),
            ("email", "anna@example.dk"),
            ("organisation_id", &org),
            ("slot-0", "1"),
            ("slot-1", "1"),
            ("slot-4", "1"),
        ],
        vec![
            ("name", "Bo Holm"),
            ("email", "bo@example.dk"),
            ("cvr", "13585628"),
        ],
        vec![
            ("name", "Clara Vogt"),
            ("email", "clara@example.de"),
            ("org_name", "Robo GmbH"),
            ("country", "de"),
        ],
        vec![
            ("name", "Dag Lund"),
            ("email", "dag@example.se"),
            ("org_name", "Botnik AB"),
            ("country", "SE"),
            ("max_meetings", "3"),
        ],
    ];
    for form in &regs {
        let (status, _, html) = c.post(&add, form).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{form:?}: {html:.3000}");
    }
    // Anna's availability reads as spans: the two morning slots merge, the afternoon apart.
    let event_html = c.get(&page).await.1;
    assert!(
        event_html.contains("09:00–10:00, 13:00–13:30"),
        "{event_html:.6000}"
    );
    // Bad registrations: shown again with messages, nothing written.
    let bad: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (
            vec![
                ("name", "Eva"),
                ("email", "eva@example.dk"),
                ("cvr", "13585628"),
                ("slot-3", "1"),
            ],
            "available",
        ),
        (
            vec![
                ("name", "Eva"),
                ("email", "eva@example.dk"),
                ("cvr", "13585628"),
                ("slot-42", "1"),
            ],
            "available",
        ),
        (
            vec![
                ("name", "Eva"),
                ("email", "eva@example.dk"),
                ("org_name", "Eva ApS"),
                ("country", "DK"),
            ],
            "country",
        ),
        (
            vec![
                ("name", ""),
                ("email", "eva@example.dk"),
                ("cvr", "13585628"),
            ],
            "name",
        ),
        (
            vec![
                ("name", "Anna igen"),
                ("email", "anna@example.dk"),
                ("organisation_id", &org),
            ],
            "email",
        ),
        (
            vec![
                ("name", "Eva"),
                ("email", "eva@example.dk"),
                ("cvr", "12345678"),
            ],
            "cvr",
        ),
    ];
    for (form, field) in &bad {
        let (status, _, html) = c.post(&add, form).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{form:?}");
        assert!(
            html.contains(&format!("id=\"{field}-error\"")),
            "{form:?}: {html:.4000}"
        );
    }
    let html = c.get(&page).await.1;
    assert!(html.contains("id=\"fig-participants\">4<"), "{html:.4000}");
    assert!(html.contains("id=\"fig-countries\">3 (DE, DK, SE)<"));
    assert!(!html.contains("eva@example.dk") && !html.contains("Eva ApS"));
    let (anna, bo, clara, dag) = (
        option_value(&html, "Anna Berg"),
        option_value(&html, "Bo Holm"),
        option_value(&html, "Clara Vogt"),
        option_value(&html, "Dag Lund"),
    );

    // Requests on behalf of participants.
    let req = format!("{page}/requests");
    for (from, to, priority) in [
        (&anna, &bo, "3"),
        (&anna, &clara, "4"),
        (&clara, &dag, "2"),
        (&bo, &dag, "5"),
    ] {
        let (status, _, html) = c
            .post(
                &req,
                &[
                    ("from", from),
                    ("to", to),
                    ("priority", priority),
                    ("message", "Robotter, griber; pris"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{html:.3000}");
    }
    for (from, to) in [(&anna, &anna), (&anna, &bo), (&bo, &anna)] {
        let (status, _, html) = c
            .post(&req, &[("from", from), ("to", to), ("priority", "3")])
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(html.contains("id=\"to-error\""), "{html:.3000}");
    }
    let (status, _, html) = c
        .post(&req, &[("from", &anna), ("to", &dag), ("priority", "9")])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"priority-error\""));
    let html = c.get(&page).await.1;
    assert!(html.contains("id=\"fig-requested\">4<"), "nothing written");
    let requests = ids_after(&html, "id=\"accept-");
    assert_eq!(requests.len(), 4);
    for r in &requests {
        let (status, _, _) = c
            .post(&format!("{page}/requests/{r}"), &[("status", "accepted")])
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
    }
    assert!(c.get(&page).await.1.contains("id=\"fig-accepted\">4<"));

    // Run the scheduler; the progress page leads to the grid with every meeting.
    let (status, location, _) = c
        .post(&format!("{page}/schedule/run"), &[("mode", "fresh")])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, format!("{page}/schedule/progress"));
    wait_for_schedule(&mut c, event).await;
    let grid = c.get(&format!("{page}/schedule")).await.1;
    for r in &requests {
        assert!(
            grid.contains(&format!("id=\"meeting-{r}\"")),
            "meeting {r}: {grid:.5000}"
        );
    }
    // A named table is shown by its name, a numbered one as "Bord 2".
    assert!(grid.contains(">Lokale A<") && grid.contains(">Bord 2<") && grid.contains("Pause"));
    assert!(!grid.contains("Bord Lokale"), "{grid:.5000}");
    assert!(grid.contains("id=\"load-list\""));
    // Beside the breaks, a proven lower bound (each of the four can meet its two partners
    // back to back, so it is 0 here).
    assert!(
        grid.contains("id=\"fig-breaks-lower\"") && grid.contains("mindst 0 i enhver plan"),
        "{grid:.5000}"
    );
    let before = placements(&app, event).await;
    assert_eq!(before.len(), 4);

    // Manual moves: conflicts are refused with a message and write nothing.
    let id = |s: &String| s.parse::<i64>().expect("id");
    let (ab, ac, cd, bd) = (
        id(&requests[0]),
        id(&requests[1]),
        id(&requests[2]),
        id(&requests[3]),
    );
    let mv = format!("{page}/schedule/move");
    let (ac_slot, _) = before[&ac];
    let conflicts: Vec<(i64, u32, u32, &str)> = vec![
        (
            ab,
            2,
            1,
            "Anna Berg (Fælles Robotter ApS) er ikke til stede",
        ),
        (
            ab,
            ac_slot,
            1,
            "Anna Berg (Fælles Robotter ApS) har allerede et møde",
        ),
        (ab, 3, 1, "Tidsrummet er en pause"),
        (ab, 9, 1, "Vælg et tidsrum, som arrangementet har"),
        (ab, 0, 5, "Vælg et bord, som arrangementet har"),
    ];
    for (meeting, slot, table, needle) in conflicts {
        let (status, _, html) = c
            .post(
                &mv,
                &[
                    ("meeting", &meeting.to_string()),
                    ("slot", &slot.to_string()),
                    ("table", &(table + 1).to_string()),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{meeting} {slot} {table}");
        assert!(html.contains("id=\"move-refused\""));
        assert!(html.contains(needle), "{needle}: {html:.6000}");
        assert_eq!(placements(&app, event).await, before, "nothing written");
    }
    // The table of another meeting in that slot is taken.
    let (cd_slot, cd_table) = before[&cd];
    if cd_slot != 2 && before[&ab].0 != cd_slot {
        let (status, _, html) = c
            .post(
                &mv,
                &[
                    ("meeting", &ab.to_string()),
                    ("slot", &cd_slot.to_string()),
                    ("table", &(cd_table + 1).to_string()),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert!(html.contains("optaget"), "{html:.6000}");
    }
    // A valid move of Bo–Dag to a free table in a slot where neither meets.
    let busy = |slot: u32| {
        before
            .iter()
            .filter(|(r, (s, _))| **r != bd && *s == slot)
            .map(|(r, (_, t))| (*r, *t))
            .collect::<Vec<_>>()
    };
    let target = [0u32, 1, 2, 4]
        .into_iter()
        .filter(|s| *s != before[&bd].0)
        .find_map(|s| {
            let here = busy(s);
            if here.iter().any(|(r, _)| *r == ab || *r == cd) {
                return None;
            }
            (0..2u32)
                .find(|t| here.iter().all(|(_, taken)| taken != t))
                .map(|t| (s, t))
        })
        .expect("a free place");
    let (status, location, html) = c
        .post(
            &mv,
            &[
                ("meeting", &bd.to_string()),
                ("slot", &target.0.to_string()),
                ("table", &(target.1 + 1).to_string()),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{html:.4000}");
    assert_eq!(location, format!("{page}/schedule?moved=1"));
    let after_move = placements(&app, event).await;
    assert_eq!(after_move[&bd], target);
    assert!(c.get(&location).await.1.contains("id=\"moved\""));
    // One of Anna's meetings to the afternoon (position 4), so that her agenda has slots
    // without a meeting between hers: its partner is free there (Bo unless Bo–Dag is
    // there, then Clara, since Dag cannot be in both), and so is a table.
    let mut after_move = after_move;
    if after_move[&ab].0 != 4 && after_move[&ac].0 != 4 {
        let r = if after_move[&bd].0 != 4 { ab } else { ac };
        let table = (0..2u32)
            .find(|t| after_move.values().all(|&(s, taken)| s != 4 || taken != *t))
            .expect("a free table in the afternoon");
        let (status, _, html) = c
            .post(
                &mv,
                &[
                    ("meeting", &r.to_string()),
                    ("slot", "4"),
                    ("table", &(table + 1).to_string()),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{html:.4000}");
        after_move = placements(&app, event).await;
        assert_eq!(after_move[&r], (4, table));
    }

    // Publish; the participant (member of Anna's organisation) sees the agenda.
    let mut m = Client::new(&app.base);
    m.sign_in("member-a").await;
    let agenda_path = format!("/my/events/{event}/agenda");
    assert!(m.get(&agenda_path).await.1.contains("agenda-not-published"));
    let (status, _, _) = c
        .post(&format!("{page}/status"), &[("status", "published")])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(m.get("/my/events").await.1.contains("Robot B2B"));
    let agenda = m.get(&agenda_path).await.1;
    assert!(
        agenda.contains("Bo Holm") && agenda.contains("Robo GmbH"),
        "{agenda:.4000}"
    );
    assert!(!agenda.contains("Dag Lund"), "only the own meetings");
    // Between Anna's two meetings (at 0 or 1, and 4) the printable agenda shows each slot
    // without one: the lunch break (position 3) as "Pause", the others as "Ingen møde";
    // nothing before the first or after the last.
    let anna_slots = [after_move[&ab].0, after_move[&ac].0];
    let between: Vec<u32> =
        (anna_slots[0].min(anna_slots[1]) + 1..anna_slots[0].max(anna_slots[1])).collect();
    assert!(
        between.contains(&2) && between.contains(&3),
        "{anna_slots:?}"
    );
    assert_eq!(
        agenda.matches("class=\"gap\"").count(),
        between.len(),
        "{anna_slots:?}: {agenda:.6000}"
    );
    assert_eq!(
        agenda.contains("<td>Pause</td>"),
        between.contains(&3),
        "{agenda:.6000}"
    );
    assert_eq!(
        agenda.matches("<td>Ingen møde</td>").count(),
        between.iter().filter(|&&p| p != 3).count(),
        "{agenda:.6000}"
    );
    let (status, _, content_type, ics) = m.get_full(&format!("{agenda_path}.ics")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.starts_with("text/calendar"));
    check_ics(&ics, 2);
    let unfolded = ics.replace("\r\n ", "");
    assert!(unfolded.contains("Robo GmbH") && unfolded.contains("Odense Congress Center"));
    assert!(
        unfolded.contains("LOCATION:Lokale A\\, Odense")
            || unfolded.contains("LOCATION:Bord 2\\, Odense"),
        "{unfolded}"
    );
    assert!(!unfolded.contains("Bord Lokale"), "{unfolded}");
    assert!(
        unfolded.contains("\\, Odense"),
        "commas are escaped: {unfolded}"
    );
    // Staff of cluster B and members see nothing of it through the organiser's pages.
    assert_eq!(m.get(&page).await.0, StatusCode::FORBIDDEN);
    assert_eq!(
        b.get(&format!("/my/events/{event}")).await.0,
        StatusCode::FORBIDDEN
    );

    // The participant asks for a meeting (not with oneself, not twice).
    let mine = format!("/my/events/{event}");
    let html = m.get(&mine).await.1;
    assert!(html.contains("id=\"add-request-submit\""));
    let (status, _, html) = m
        .post(
            &format!("{mine}/requests"),
            &[("from", &anna), ("to", &anna)],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"to-error\""));
    let (status, _, html) = m
        .post(&format!("{mine}/requests"), &[("from", &anna), ("to", &bo)])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "a duplicate");
    assert!(html.contains("id=\"to-error\""));
    let (status, _, html) = m
        .post(
            &format!("{mine}/requests"),
            &[("from", &anna), ("to", &dag), ("message", "Hej Dag")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{html:.3000}");
    // Asking on behalf of someone else's participant is refused.
    let (status, _, _) = m
        .post(
            &format!("{mine}/requests"),
            &[("from", &bo), ("to", &clara)],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // Cancellation, then re-scheduling keeps every other meeting where it was.
    let (status, _, _) = c
        .post(&format!("{page}/requests/{cd}"), &[("status", "cancelled")])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let html = c.get(&page).await.1;
    let ad = ids_after(&html, "id=\"accept-");
    assert_eq!(ad.len(), 1, "the member's new request");
    c.post(
        &format!("{page}/requests/{}", ad[0]),
        &[("status", "accepted")],
    )
    .await;
    let kept = placements(&app, event).await;
    assert_eq!(kept.len(), 3);
    let (status, _, _) = c
        .post(&format!("{page}/schedule/run"), &[("mode", "keep")])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    wait_for_schedule(&mut c, event).await;
    let after = placements(&app, event).await;
    for (r, place) in &kept {
        assert_eq!(after.get(r), Some(place), "meeting {r} kept its place");
    }
    assert!(!after.contains_key(&cd));
    let grid = c.get(&format!("{page}/schedule")).await.1;
    assert!(
        !grid.contains(&format!("id=\"meeting-{cd}\"")),
        "the cancelled meeting left"
    );
}

/// A light RFC 5545 check: CRLF line endings, lines of at most 75 octets, and every VEVENT
/// with UID, DTSTAMP, DTSTART and DTEND.
fn check_ics(text: &str, events: usize) {
    assert!(text.starts_with("BEGIN:VCALENDAR\r\n"));
    assert!(text.ends_with("END:VCALENDAR\r\n"));
    let body = text.strip_suffix("\r\n").unwrap_or(text);
    for line in body.split("\r\n") {
        assert!(
            !line.contains('\n') && !line.contains('\r'),
            "bare line break in {line:?}"
        );
        assert!(line.len() <= 75, "{} octets: {line}", line.len());
    }
    let unfolded = body.replace("\r\n ", "");
    let mut count = 0;
    for vevent in unfolded.split("BEGIN:VEVENT\r\n").skip(1) {
        let vevent = vevent.split("END:VEVENT").next().unwrap_or_default();
        count += 1;
        for property in [
            "UID:",
            "DTSTAMP:",
            "DTSTART:",
            "DTEND:",
            "SUMMARY:",
            "LOCATION:",
        ] {
            assert!(
                vevent.lines().any(|l| l.starts_with(property)),
                "{property} missing in {vevent}"
            );
        }
        let start = between(vevent, "DTSTART:", "\r");
        assert!(start.ends_with('Z') && start.len() == 16, "{start}");
    }
    assert_eq!(count, events);
}

/// The organiser changes a registration (bad input shown again, a change that would strand
/// a placed meeting refused), removes one after the confirmation page (its requests and
/// meetings go with it), marks attendance once the event is over, and nothing about
/// registrations changes once it is closed.
#[tokio::test]
async fn registrations_change_and_go_and_attendance_is_marked() {
    use klynge_domain::{Attendance, EventStatus};
    use klynge_store::ScheduleFigures;
    let app = spawn().await;
    let seeded = common::events::seed_small_event(&app).await;
    let view = &seeded.view;
    let id = seeded.id;
    let e = id.0;
    let people = view.participants(id).await.expect("participants");
    let by_name = |n: &str| {
        people
            .iter()
            .find(|p| p.participant.name.as_str() == n)
            .map(|p| p.id.0)
            .expect("participant")
    };
    let (morten, bente) = (by_name("Morten Morgen"), by_name("Bente Bach"));
    let requests = view.requests(id).await.expect("requests");
    let r: Vec<_> = requests.iter().map(|r| r.id).collect();
    // Mette–Morten 09:00, Mette–Anna 09:20, Anna–Bente 09:00, Bente–Morten 09:20.
    view.save_schedule(
        id,
        &[(r[0], 0, 0), (r[1], 1, 0), (r[2], 0, 1), (r[3], 1, 1)],
        &ScheduleFigures {
            scheduled_at: chrono::Utc::now(),
            priority_sum: 12,
            upper_bound: 12,
            breaks: 0,
            idle_slots: 0,
            breaks_lower_bound: 0,
            fingerprint: 0,
        },
    )
    .await
    .expect("schedule");

    let mut c = Client::new(&app.base);
    c.sign_in("staff-a").await;
    let page = format!("/events/{e}");
    let (status, html) = c.get(&page).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&format!("href=\"/events/{e}/participants/{morten}/edit\"")));
    let edit = format!("{page}/participants/{morten}/edit");
    let (status, html) = c.get(&edit).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("value=\"morten@example.dk\""), "{html:.2000}");

    // Bad input: shown again with messages, nothing written.
    let (status, _, html) = c
        .post(
            &edit,
            &[
                ("name", "Morten M"),
                ("email", "ikke-en-adresse"),
                ("max_meetings", "0"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"email-error\"") && html.contains("id=\"max_meetings-error\""));
    assert!(html.contains("ikke-en-adresse"), "input shown again");
    // Availability that leaves out his 09:00 meeting, and a cap below his two meetings.
    let (status, _, html) = c
        .post(
            &edit,
            &[
                ("name", "Morten Morgen"),
                ("email", "morten@example.dk"),
                ("slot-1", "1"),
                ("slot-2", "1"),
                ("max_meetings", "1"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("id=\"available-error\"") && html.contains("09:00–09:20"),
        "{html:.3000}"
    );
    assert!(html.contains("id=\"max_meetings-error\""));
    // Someone else's e-mail.
    let (status, _, html) = c
        .post(
            &edit,
            &[("name", "Morten Morgen"), ("email", "bente@example.dk")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"email-error\""));
    let stored = view
        .participant(id, klynge_domain::EventParticipantId(morten))
        .await
        .expect("participant");
    assert_eq!(stored.participant.name.as_str(), "Morten Morgen");
    assert_eq!(stored.participant.available, Some(vec![0, 1, 2]));
    // A good change.
    let (status, location, _) = c
        .post(
            &edit,
            &[
                ("name", "Morten Middag"),
                ("email", "morten.m@example.dk"),
                ("slot-0", "1"),
                ("slot-1", "1"),
                ("slot-4", "1"),
                ("max_meetings", "3"),
            ],
        )
        .await;
    assert_eq!(
        (status, location.as_str()),
        (
            StatusCode::SEE_OTHER,
            format!("{page}#participants").as_str()
        )
    );
    let stored = view
        .participant(id, klynge_domain::EventParticipantId(morten))
        .await
        .expect("participant");
    assert_eq!(stored.participant.name.as_str(), "Morten Middag");
    assert_eq!(stored.participant.email.as_str(), "morten.m@example.dk");
    assert_eq!(stored.participant.available, Some(vec![0, 1, 4]));
    assert_eq!(stored.participant.max_meetings, Some(3));

    // Removing asks first, then takes Bente's two requests and meetings with her.
    let remove = format!("{page}/participants/{bente}/remove");
    let (status, html) = c.get(&remove).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("id=\"confirm-remove\"") && html.contains("Bente Bach"));
    assert_eq!(
        view.participants(id).await.expect("participants").len(),
        4,
        "asking writes nothing"
    );
    let (status, _, _) = c.post(&remove, &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(view.participants(id).await.expect("participants").len(), 3);
    let left: Vec<_> = view
        .requests(id)
        .await
        .expect("requests")
        .iter()
        .map(|x| x.id)
        .collect();
    assert_eq!(left, vec![r[0], r[1]]);
    assert_eq!(placements(&app, e).await.len(), 2);
    assert_eq!(c.get(&remove).await.0, StatusCode::NOT_FOUND);

    // Attendance: not before the event is over.
    let attendance = format!("{page}/attendance");
    let (status, html) = c.get(&attendance).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("id=\"attendance-not-yet\"") && !html.contains("id=\"held-"));
    let mark = |req: i64| format!("{attendance}/{req}");
    let (status, location, _) = c.post(&mark(r[0].0), &[("attendance", "held")]).await;
    assert_eq!(
        (status, location),
        (StatusCode::SEE_OTHER, format!("{attendance}?error=not-yet"))
    );
    assert_eq!(view.figures(id).await.expect("figures").held, 0);
    view.set_status(id, EventStatus::Published)
        .await
        .expect("published");
    view.set_status(id, EventStatus::Closed)
        .await
        .expect("closed");
    let (_, html) = c.get(&attendance).await;
    assert!(
        html.contains(&format!("id=\"held-{}\"", r[0].0)),
        "{html:.3000}"
    );
    let (status, _, _) = c.post(&mark(r[0].0), &[("attendance", "held")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _, _) = c.post(&mark(r[1].0), &[("attendance", "no_show")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, location, _) = c.post(&mark(r[1].0), &[("attendance", "maybe")]).await;
    assert_eq!(
        (status, location),
        (StatusCode::SEE_OTHER, format!("{attendance}?error=invalid"))
    );
    assert_eq!(
        c.post(&mark(r[3].0), &[("attendance", "held")]).await.0,
        StatusCode::NOT_FOUND
    );
    let marks: Vec<_> = view
        .requests(id)
        .await
        .expect("requests")
        .iter()
        .map(|x| x.attendance)
        .collect();
    assert_eq!(
        marks,
        vec![Some(Attendance::Held), Some(Attendance::NoShow)]
    );
    let (_, html) = c.get(&page).await;
    assert!(
        html.contains("<dd id=\"fig-held\">1</dd>")
            && html.contains("<dd id=\"fig-no-show\">1</dd>"),
        "{html:.3000}"
    );

    // Closed: registrations are locked.
    let (status, _, html) = c
        .post(
            &edit,
            &[("name", "Morten Aften"), ("email", "morten.m@example.dk")],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(html.contains("id=\"participant-locked\""));
    let (status, _, html) = c
        .post(&format!("{page}/participants/{morten}/remove"), &[])
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(html.contains("id=\"participant-locked\""));
    assert_eq!(view.participants(id).await.expect("participants").len(), 3);

    // Another cluster's staff find none of it; a member may not.
    let mut b = Client::new(&app.base);
    b.sign_in("staff-b").await;
    assert_eq!(b.get(&edit).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        b.post(&mark(r[0].0), &[("attendance", "no_show")]).await.0,
        StatusCode::NOT_FOUND
    );
    let mut m = Client::new(&app.base);
    m.sign_in("member-a").await;
    assert_eq!(m.get(&attendance).await.0, StatusCode::FORBIDDEN);
    assert_eq!(view.figures(id).await.expect("figures").held, 1);
}
