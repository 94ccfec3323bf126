//! How long a calendar subscriber waits: writing the iCalendar of 10,000
//! items (and the Atom feed of as many), the size of a busy federation's
//! "everything" calendar.
//!
//! `cargo bench -p perfusiond --bench export`

use chrono::{Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use perfusion_index::{
    DatePrecision, Deadline, DeadlineKind, Item, ItemKind, Mode, Place, SourceRef, Status, When,
};
use perfusiond::export::{atom, ical};

/// Items like the real ones: courses, congresses and webinars over three
/// years, one in five with a deadline, one in ten timed, some cancelled.
fn items(n: usize) -> Vec<Item> {
    let start = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    let seen = Utc.with_ymd_and_hms(2026, 11, 25, 8, 0, 0).unwrap();
    let orgs = [
        "ELSO", "EuroELSO", "AmSECT", "IPA", "SCPS", "ANZCP", "CSCP", "FECECT",
    ];
    let cities = [
        ("Regensburg", "DE"),
        ("Stockholm", "SE"),
        ("Tampa", "US"),
        ("Sydney", "AU"),
        ("Montréal", "CA"),
        ("Porto", "PT"),
    ];
    (0..n)
        .map(|i| {
            let day = start + Duration::days((i % 1095) as i64);
            let (city, cc) = cities[i % cities.len()];
            let org = orgs[i % orgs.len()];
            let timed = i % 10 == 0;
            Item {
                id: format!("{i:016x}"),
                kind: [ItemKind::Course, ItemKind::Conference, ItemKind::Webinar][i % 3],
                title: format!("{org} Adult ECMO Training Course №{i}: cannulation, circuits; “simulation”"),
                summary: "Hands-on ECMO simulation for physicians, nurses and perfusionists.\nPrimary and advanced modules, 4 days, CE credits included. Contact the organiser for group rates; places are limited.".into(),
                url: format!("https://www.example.org/courses/{i}"),
                org: org.into(),
                sources: vec![SourceRef {
                    source_id: format!("{}-courses", org.to_lowercase()),
                    org: org.into(),
                    url: format!("https://www.example.org/courses/{i}"),
                    missed: false,
                }],
                when: When {
                    start: Some(day),
                    end: Some(day + Duration::days((i % 4) as i64)),
                    precision: DatePrecision::Day,
                    start_time: timed.then(|| NaiveTime::from_hms_opt(19, 0, 0).unwrap()),
                    end_time: None,
                    timezone: timed.then(|| "Australia/Sydney".to_owned()),
                    text: String::new(),
                },
                place: Place {
                    venue: Some("University Hospital, Lecture Theatre A2".into()),
                    city: Some(city.into()),
                    region: None,
                    country_code: Some(cc.into()),
                    text: format!("University Hospital, Lecture Theatre A2, {city}"),
                },
                mode: Some(if i % 7 == 0 { Mode::Virtual } else { Mode::InPerson }),
                status: if i % 50 == 0 { Status::Cancelled } else { Status::Scheduled },
                deadlines: if i % 5 == 0 {
                    vec![Deadline {
                        kind: DeadlineKind::Abstract,
                        date: day - Duration::days(60),
                        time: None,
                        timezone: None,
                        label: "Abstract submission closes".into(),
                    }]
                } else {
                    Vec::new()
                },
                posted: Some(seen - Duration::days(90)),
                first_seen: seen,
                last_seen: seen,
                modified: seen,
                language: Some("en".into()),
                revision: (i % 3) as u32,
            }
        })
        .collect()
}

fn export(c: &mut Criterion) {
    let items = items(10_000);
    let options = ical::CalendarOptions {
        name: "Perfusion and ECMO events".into(),
        uid_domain: "perfusiond".into(),
        prodid: "-//perfusion//perfusiond bench//EN".into(),
        refresh: Duration::hours(12),
        alarm: Some(Duration::days(7)),
    };
    let mut group = c.benchmark_group("export");
    group.sample_size(30);
    group.bench_function("ical_10000_items", |b| {
        b.iter(|| ical::write(&items, &options));
    });
    let feed = atom::FeedOptions {
        title: "Perfusion and ECMO events".into(),
        self_url: "http://127.0.0.1:8080/feed.atom".into(),
    };
    group.bench_function("atom_10000_items", |b| {
        b.iter(|| atom::write(&items, &feed));
    });
    group.finish();
}

criterion_group!(benches, export);
criterion_main!(benches);
