//! JSON-LD as sites emit it: The Events Calendar's array of events, Yoast's
//! `@graph`, a job board's JobPosting, a course with its instances, and
//! scripts that are not quite JSON.

use chrono::NaiveDate;
use url::Url;

use super::*;
use crate::fetch::Validators;

fn page(scripts: &[&str]) -> Fetched {
    let body: String = scripts
        .iter()
        .map(|s| format!("<script type=\"application/ld+json\">{s}</script>"))
        .collect();
    Fetched {
        url: Url::parse("https://www.esicm.org/education/courses-2/").unwrap(),
        content_type: Some("text/html".to_owned()),
        body: format!("<html><head>{body}</head><body><p>Courses</p></body></html>").into_bytes(),
        page_date: None,
        validators: Validators::default(),
    }
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

#[test]
fn events_in_an_array_with_places_modes_and_statuses() {
    let items = extract(&page(&[r#"[
        {"@context":"http://schema.org","@type":"EducationEvent",
         "name":"Advanced Master Course in ECLS&#x2F;ECMO",
         "startDate":"2024-06-11","endDate":"2024-06-12",
         "eventAttendanceMode":"https://schema.org/OnlineEventAttendanceMode",
         "location":{"@type":"VirtualLocation","url":"https://academy.esicm.org/"},
         "url":"/education/courses-2/master-course-in-ecls-ecmo/",
         "organizer":{"@type":"Organization","name":"ESICM"}},
        {"@type":"Event","name":"Transition Course in ECLS/ECMO",
         "startDate":"2024-10-05T09:00:00+02:00","endDate":"2024-10-06T17:00:00+02:00",
         "eventStatus":"https://schema.org/EventPostponed",
         "location":{"@type":"Place","name":"Fira Barcelona Gran Via",
           "address":{"@type":"PostalAddress","addressLocality":"Barcelona","addressCountry":"ES"}}}
    ]"#]))
    .unwrap();
    assert_eq!(items.len(), 2);
    let master = &items[0];
    assert_eq!(master.title, "Advanced Master Course in ECLS/ECMO");
    let when = master.when.as_ref().unwrap();
    assert_eq!(
        (when.start, when.end),
        (
            Moment::Day(day("2024-06-11")),
            Some(Moment::Day(day("2024-06-12")))
        )
    );
    assert_eq!(master.mode, Some(Mode::Virtual));
    assert_eq!(master.place, None);
    assert_eq!(
        master.link.as_deref(),
        Some("https://www.esicm.org/education/courses-2/master-course-in-ecls-ecmo/")
    );
    assert_eq!(master.organizer.as_deref(), Some("ESICM"));
    let transition = &items[1];
    assert_eq!(
        transition.when.as_ref().unwrap().start,
        Moment::Instant("2024-10-05T07:00:00Z".parse().unwrap())
    );
    assert_eq!(transition.status, Some(Status::Postponed));
    let place = transition.place.as_ref().unwrap();
    assert_eq!(
        (
            place.venue.as_deref(),
            place.city.as_deref(),
            place.country.as_deref()
        ),
        (
            Some("Fira Barcelona Gran Via"),
            Some("Barcelona"),
            Some("ES")
        )
    );
}

#[test]
fn a_graph_holds_the_event_beside_the_page_furniture_and_a_year_stays_text() {
    let items = extract(&page(&[
        r#"{"@context":"https://schema.org","@graph":[
            {"@type":"WebPage","@id":"https://www.esicm.org/#webpage","name":"Courses"},
            {"@type":"BreadcrumbList","itemListElement":[]},
            {"@type":["Event","EducationEvent"],"name":"Level 3: Advanced Case-Based ECLS/ECMO Course",
             "startDate":"2026","eventAttendanceMode":"OfflineEventAttendanceMode"}]}"#,
        "<!-- {not json at all -->",
    ]))
    .unwrap();
    assert_eq!(items.len(), 1, "{items:#?}");
    assert_eq!(items[0].when, None);
    assert_eq!(items[0].date_text.as_deref(), Some("2026"));
    assert_eq!(items[0].mode, Some(Mode::InPerson));
}

#[test]
fn a_job_posting_is_a_job_with_its_closing_date_and_salary() {
    let items = extract(&page(&[r#"<!--
        {"@context":"http://schema.org","@type":"JobPosting",
         "title":"Trainee Clinical Perfusionist Band 6",
         "datePosted":"2023-05-24","validThrough":"2023-06-14T23:59:59+01:00",
         "hiringOrganization":{"@type":"Organization","name":"Liverpool Heart and Chest Hospital NHS Foundation Trust"},
         "jobLocation":{"@type":"Place","address":{"@type":"PostalAddress","streetAddress":"Thomas Drive",
           "addressLocality":"Liverpool","addressRegion":"Merseyside","addressCountry":"GB"}},
         "baseSalary":{"@type":"MonetaryAmount","currency":"GBP",
           "value":{"@type":"QuantitativeValue","minValue":35392,"maxValue":42618,"unitText":"YEAR"}},
         "description":"&lt;p&gt;An exciting opportunity&lt;/p&gt;",
         "identifier":{"@type":"PropertyValue","name":"BMJ","value":"127836"}}
    -->"#]))
    .unwrap();
    let job = &items[0];
    assert_eq!(job.kind, Some(ItemKind::Job));
    assert_eq!(job.title, "Trainee Clinical Perfusionist Band 6");
    assert_eq!(
        job.deadlines,
        [Deadline {
            kind: DeadlineKind::Closing,
            date: day("2023-06-14"),
            time: chrono::NaiveTime::from_hms_opt(23, 59, 59),
            timezone: None,
            label: "Closing date".to_owned(),
        }]
    );
    assert_eq!(job.posted, Some("2023-05-24T00:00:00Z".parse().unwrap()));
    assert_eq!(
        job.summary.as_deref(),
        Some("Salary: £35,392 to £42,618 a year\nAn exciting opportunity")
    );
    assert_eq!(
        job.organizer.as_deref(),
        Some("Liverpool Heart and Chest Hospital NHS Foundation Trust")
    );
    assert_eq!(job.guid.as_deref(), Some("127836"));
    let place = job.place.as_ref().unwrap();
    assert_eq!(place.city.as_deref(), Some("Liverpool"));
    assert_eq!(place.region.as_deref(), Some("Merseyside"));
}

#[test]
fn a_course_gives_one_item_per_instance_and_articles_are_publications() {
    let items = extract(&page(&[r#"[
        {"@type":"Course","name":"ECMO Specialist Course","description":"Hands-on.",
         "provider":{"@type":"Organization","name":"EuroELSO"},
         "hasCourseInstance":[
            {"@type":"CourseInstance","courseMode":"onsite","startDate":"2024-03-04","endDate":"2024-03-06"},
            {"@type":"CourseInstance","startDate":"2024-09-09","endDate":"2024-09-11"}]},
        {"@type":"ScholarlyArticle","headline":"ECMO in COVID-19: a registry report","datePublished":"2023-10-20T08:00:00Z",
         "url":"https://example.org/articles/1"}
    ]"#]))
    .unwrap();
    let listed: Vec<(&str, Option<ItemKind>)> =
        items.iter().map(|i| (i.title.as_str(), i.kind)).collect();
    assert_eq!(
        listed,
        [
            ("ECMO Specialist Course", Some(ItemKind::Course)),
            ("ECMO Specialist Course", Some(ItemKind::Course)),
            (
                "ECMO in COVID-19: a registry report",
                Some(ItemKind::Publication)
            ),
        ]
    );
    assert_eq!(items[0].summary.as_deref(), Some("Hands-on."));
    assert_eq!(items[1].organizer.as_deref(), Some("EuroELSO"));
    assert_eq!(
        items[2].posted,
        Some("2023-10-20T08:00:00Z".parse().unwrap())
    );
}

#[test]
fn dates_in_their_schema_org_shapes() {
    assert_eq!(moment("2024-06-11"), Some(Moment::Day(day("2024-06-11"))));
    assert_eq!(
        moment("2024-06-11T09:00:00+0200"),
        Some(Moment::Instant("2024-06-11T07:00:00Z".parse().unwrap()))
    );
    assert_eq!(
        moment("2024-06-11T09:00"),
        Some(Moment::Local(
            day("2024-06-11").and_hms_opt(9, 0, 0).unwrap(),
            None
        ))
    );
    assert_eq!(moment("June 2024"), None);
}
